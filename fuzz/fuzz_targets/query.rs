#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mcdewey_fuzz::query(data));
