/* An app that cannot load: it needs a symbol nothing defines. */
void no_such_function(void);
int main(void) { no_such_function(); return 0; }
