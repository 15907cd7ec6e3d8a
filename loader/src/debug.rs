//! What a crash report needs of an object: its unwind tables and its
//! function names, found once when the object is first loaded.
use crate::symbols::FunctionSymbols;
use crate::unwind::UnwindInfo;
use goblin::elf::Elf;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DebugInfo {
    pub unwind: UnwindInfo,
    pub functions: FunctionSymbols,
}

impl DebugInfo {
    /// Finds both in `data`; a file goblin cannot parse has neither (the
    /// loader's own checks have refused such a file before this runs).
    pub fn parse(data: &[u8]) -> DebugInfo {
        match Elf::parse(data) {
            Ok(elf) => DebugInfo {
                unwind: UnwindInfo::find(&elf, data),
                functions: FunctionSymbols::find(&elf, data),
            },
            Err(_) => DebugInfo::default(),
        }
    }
}
