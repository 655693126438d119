//! Reads a GGUF file's header (metadata and tensor table) without trusting it, so a
//! missing, truncated or foreign file is reported before llama.cpp ever opens it.
//!
//! Layout (little-endian): magic `GGUF`, version (2 or 3), tensor count, metadata count,
//! the metadata key/values, the tensor infos, padding to `general.alignment`, then the
//! tensor data. A file is complete when it reaches the end of its last tensor.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

const MAGIC: &[u8; 4] = b"GGUF";
/// Far above any real model; a larger count means a corrupt header, not a big model.
const MAX_ENTRIES: u64 = 1 << 20;
const MAX_KEY_BYTES: u64 = 64 * 1024;
/// Longer string values (none are expected besides chat templates) are skipped, not kept.
const MAX_KEPT_STRING: u64 = 256 * 1024;
const MAX_DIMS: u32 = 4;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GgufError {
    #[error("the file does not exist")]
    Missing,
    #[error("it cannot be read: {0}")]
    Io(String),
    #[error("it is not a GGUF model file (it starts with {0:?})")]
    NotGguf(String),
    #[error("it is GGUF version {0}, which this build cannot read")]
    UnsupportedVersion(u32),
    #[error("it is truncated: {size} bytes, but its header describes {needed} bytes (an interrupted download?)")]
    Truncated { size: u64, needed: u64 },
    #[error("its header is damaged: {0}")]
    Corrupt(String),
}

/// A metadata value; arrays are kept as their length only.
#[derive(Debug, Clone, PartialEq)]
pub enum MetaValue {
    Int(i64),
    Uint(u64),
    Float(f64),
    Bool(bool),
    Str(String),
    Array {
        len: u64,
    },
    /// A string too long to keep.
    Skipped,
}

/// What the header says about a file that passed every check.
#[derive(Debug, Clone)]
pub struct GgufSummary {
    pub version: u32,
    pub file_size: u64,
    pub tensor_count: u64,
    pub metadata: BTreeMap<String, MetaValue>,
}

impl GgufSummary {
    pub fn get_str(&self, key: &str) -> Option<&str> {
        match self.metadata.get(key) {
            Some(MetaValue::Str(s)) => Some(s),
            _ => None,
        }
    }

    pub fn get_uint(&self, key: &str) -> Option<u64> {
        match self.metadata.get(key)? {
            MetaValue::Uint(n) => Some(*n),
            MetaValue::Int(n) => u64::try_from(*n).ok(),
            _ => None,
        }
    }

    pub fn architecture(&self) -> Option<&str> {
        self.get_str("general.architecture")
    }

    /// A multimodal projector (mmproj) rather than a language model.
    pub fn is_mmproj(&self) -> bool {
        self.architecture() == Some("clip")
    }

    /// Width of the language model's token embeddings.
    pub fn embedding_length(&self) -> Option<u64> {
        self.get_uint(&format!("{}.embedding_length", self.architecture()?))
    }

    /// Width of the embeddings an mmproj produces (the language model's width it was made for).
    pub fn projection_dim(&self) -> Option<u64> {
        self.get_uint("clip.vision.projection_dim")
    }

    /// The side of the square an mmproj's vision encoder reads (`clip.vision.image_size`).
    pub fn vision_image_size(&self) -> Option<u32> {
        self.get_uint("clip.vision.image_size").and_then(|n| u32::try_from(n).ok()).filter(|&n| n > 0)
    }

    /// Which projector this is (`clip.projector_type`: `gemma3`, `qwen2.5vl`, `idefics3`, …).
    pub fn projector_type(&self) -> Option<&str> {
        self.get_str("clip.projector_type")
    }

    pub fn has_vision_encoder(&self) -> bool {
        matches!(self.metadata.get("clip.has_vision_encoder"), Some(MetaValue::Bool(true)))
    }
}

/// Check `path` is a complete GGUF file and read its header.
pub fn inspect(path: &Path) -> Result<GgufSummary, GgufError> {
    let file = File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => GgufError::Missing,
        _ => GgufError::Io(e.to_string()),
    })?;
    let meta = file.metadata().map_err(|e| GgufError::Io(e.to_string()))?;
    if !meta.is_file() {
        return Err(GgufError::Io("it is a directory, not a file".into()));
    }
    let mut r = Reader { inner: BufReader::with_capacity(1 << 16, file), pos: 0, size: meta.len() };
    r.read_header()
}

struct Reader<R> {
    inner: R,
    pos: u64,
    size: u64,
}

impl<R: Read + std::io::Seek> Reader<BufReader<R>> {
    fn read_header(&mut self) -> Result<GgufSummary, GgufError> {
        let mut magic = [0u8; 4];
        if self.size < 4 {
            return Err(GgufError::NotGguf(format!("{} bytes only", self.size)));
        }
        self.bytes(&mut magic)?;
        if &magic != MAGIC {
            return Err(GgufError::NotGguf(String::from_utf8_lossy(&magic).into_owned()));
        }
        let version = self.u32()?;
        if !(2..=3).contains(&version) {
            return Err(GgufError::UnsupportedVersion(version));
        }
        let tensor_count = self.count("tensor count")?;
        let kv_count = self.count("metadata count")?;

        let mut metadata = BTreeMap::new();
        for _ in 0..kv_count {
            let key = self.string(MAX_KEY_BYTES)?.ok_or_else(|| corrupt("a metadata key is too long"))?;
            let kind = self.u32()?;
            let value = self.value(kind, 0)?;
            metadata.insert(key, value);
        }

        let mut data_needed = 0u64;
        for _ in 0..tensor_count {
            self.string(MAX_KEY_BYTES)?.ok_or_else(|| corrupt("a tensor name is too long"))?;
            let n_dims = self.u32()?;
            if n_dims == 0 || n_dims > MAX_DIMS {
                return Err(corrupt(&format!("a tensor has {n_dims} dimensions")));
            }
            let mut elements: u64 = 1;
            for _ in 0..n_dims {
                elements = elements.checked_mul(self.u64()?).ok_or_else(|| corrupt("a tensor's size overflows"))?;
            }
            let ggml_type = self.u32()?;
            let offset = self.u64()?;
            if let Some(bytes) = tensor_bytes(ggml_type, elements) {
                let end = offset.checked_add(bytes).ok_or_else(|| corrupt("a tensor's offset overflows"))?;
                data_needed = data_needed.max(end);
            }
        }
        let alignment = match metadata.get("general.alignment") {
            Some(MetaValue::Uint(a)) if *a > 0 && a.is_power_of_two() => *a,
            None => 32,
            Some(other) => return Err(corrupt(&format!("general.alignment is {other:?}"))),
        };
        let data_start = self.pos.div_ceil(alignment) * alignment;
        let needed = data_start.checked_add(data_needed).ok_or_else(|| corrupt("the data size overflows"))?;
        if tensor_count > 0 && needed > self.size {
            return Err(GgufError::Truncated { size: self.size, needed });
        }
        Ok(GgufSummary { version, file_size: self.size, tensor_count, metadata })
    }

    fn value(&mut self, kind: u32, depth: u8) -> Result<MetaValue, GgufError> {
        Ok(match kind {
            0 => MetaValue::Uint(u64::from(self.fixed::<1>()?[0])),
            1 => MetaValue::Int(i64::from(self.fixed::<1>()?[0] as i8)),
            2 => MetaValue::Uint(u64::from(u16::from_le_bytes(self.fixed()?))),
            3 => MetaValue::Int(i64::from(i16::from_le_bytes(self.fixed()?))),
            4 => MetaValue::Uint(u64::from(self.u32()?)),
            5 => MetaValue::Int(i64::from(i32::from_le_bytes(self.fixed()?))),
            6 => MetaValue::Float(f64::from(f32::from_le_bytes(self.fixed()?))),
            7 => MetaValue::Bool(self.fixed::<1>()?[0] != 0),
            8 => match self.string(MAX_KEPT_STRING)? {
                Some(s) => MetaValue::Str(s),
                None => MetaValue::Skipped,
            },
            9 => {
                if depth > 0 {
                    return Err(corrupt("nested metadata arrays"));
                }
                let item_kind = self.u32()?;
                let len = self.u64()?;
                match fixed_size(item_kind) {
                    Some(size) => {
                        let total = len.checked_mul(size).ok_or_else(|| corrupt("an array's size overflows"))?;
                        self.skip(total)?;
                    }
                    None if item_kind == 8 => {
                        for _ in 0..len {
                            let n = self.u64()?;
                            self.skip(n)?;
                        }
                    }
                    None => return Err(corrupt(&format!("an array of unknown type {item_kind}"))),
                }
                MetaValue::Array { len }
            }
            10 => MetaValue::Uint(self.u64()?),
            11 => MetaValue::Int(i64::from_le_bytes(self.fixed()?)),
            12 => MetaValue::Float(f64::from_le_bytes(self.fixed()?)),
            other => return Err(corrupt(&format!("a metadata value of unknown type {other}"))),
        })
    }

    fn count(&mut self, what: &str) -> Result<u64, GgufError> {
        let n = self.u64()?;
        if n > MAX_ENTRIES {
            return Err(corrupt(&format!("{what} {n}")));
        }
        Ok(n)
    }

    /// A length-prefixed string; `None` (skipped) when longer than `keep_max`.
    fn string(&mut self, keep_max: u64) -> Result<Option<String>, GgufError> {
        let len = self.u64()?;
        if len > keep_max {
            self.skip(len)?;
            return Ok(None);
        }
        self.ensure(len)?;
        let mut buf = vec![0u8; len as usize];
        self.bytes(&mut buf)?;
        Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
    }

    fn u32(&mut self) -> Result<u32, GgufError> {
        Ok(u32::from_le_bytes(self.fixed()?))
    }

    fn u64(&mut self) -> Result<u64, GgufError> {
        Ok(u64::from_le_bytes(self.fixed()?))
    }

    fn fixed<const N: usize>(&mut self) -> Result<[u8; N], GgufError> {
        let mut buf = [0u8; N];
        self.bytes(&mut buf)?;
        Ok(buf)
    }

    fn ensure(&self, n: u64) -> Result<(), GgufError> {
        match self.pos.checked_add(n) {
            Some(end) if end <= self.size => Ok(()),
            _ => Err(GgufError::Truncated { size: self.size, needed: self.pos.saturating_add(n) }),
        }
    }

    fn bytes(&mut self, buf: &mut [u8]) -> Result<(), GgufError> {
        self.ensure(buf.len() as u64)?;
        self.inner.read_exact(buf).map_err(|e| GgufError::Io(e.to_string()))?;
        self.pos += buf.len() as u64;
        Ok(())
    }

    fn skip(&mut self, n: u64) -> Result<(), GgufError> {
        self.ensure(n)?;
        let step = i64::try_from(n).map_err(|_| corrupt("a skip overflows"))?;
        self.inner.seek_relative(step).map_err(|e| GgufError::Io(e.to_string()))?;
        self.pos += n;
        Ok(())
    }
}

fn corrupt(what: &str) -> GgufError {
    GgufError::Corrupt(what.to_owned())
}

/// Bytes per element of a fixed-size metadata type.
fn fixed_size(kind: u32) -> Option<u64> {
    match kind {
        0 | 1 | 7 => Some(1),
        2 | 3 => Some(2),
        4..=6 => Some(4),
        10..=12 => Some(8),
        _ => None,
    }
}

/// Bytes of a tensor of `elements` values of ggml type `ggml_type`, for the types model
/// files use (ggml.h / ggml-common.h block layouts). `None` for types not listed here:
/// their extent is left to llama.cpp's own bounds check.
fn tensor_bytes(ggml_type: u32, elements: u64) -> Option<u64> {
    let (block, bytes) = match ggml_type {
        0 => (1, 4),     // F32
        1 => (1, 2),     // F16
        2 => (32, 18),   // Q4_0
        3 => (32, 20),   // Q4_1
        6 => (32, 22),   // Q5_0
        7 => (32, 24),   // Q5_1
        8 => (32, 34),   // Q8_0
        10 => (256, 84), // Q2_K
        11 => (256, 110),
        12 => (256, 144),
        13 => (256, 176),
        14 => (256, 210), // Q6_K
        20 => (32, 18),   // IQ4_NL
        23 => (256, 136), // IQ4_XS
        24 => (1, 1),     // I8
        25 => (1, 2),
        26 => (1, 4),
        27 | 28 => (1, 8),
        30 => (1, 2), // BF16
        _ => return None,
    };
    Some(elements / block * bytes)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A minimal valid GGUF: some metadata and one F32 tensor of `n` floats.
    pub(crate) fn tiny_gguf(arch: &str, embd: u32, n: u64) -> Vec<u8> {
        let mut out = Vec::new();
        let s = |out: &mut Vec<u8>, v: &str| {
            out.extend_from_slice(&(v.len() as u64).to_le_bytes());
            out.extend_from_slice(v.as_bytes());
        };
        out.extend_from_slice(b"GGUF");
        out.extend_from_slice(&3u32.to_le_bytes());
        out.extend_from_slice(&1u64.to_le_bytes()); // tensors
        out.extend_from_slice(&3u64.to_le_bytes()); // kv
        s(&mut out, "general.architecture");
        out.extend_from_slice(&8u32.to_le_bytes());
        s(&mut out, arch);
        s(&mut out, &format!("{arch}.embedding_length"));
        out.extend_from_slice(&4u32.to_le_bytes());
        out.extend_from_slice(&embd.to_le_bytes());
        s(&mut out, "tokenizer.ggml.tokens");
        out.extend_from_slice(&9u32.to_le_bytes());
        out.extend_from_slice(&8u32.to_le_bytes());
        out.extend_from_slice(&2u64.to_le_bytes());
        s(&mut out, "a");
        s(&mut out, "bc");
        s(&mut out, "w");
        out.extend_from_slice(&1u32.to_le_bytes());
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes()); // F32
        out.extend_from_slice(&0u64.to_le_bytes());
        while out.len() % 32 != 0 {
            out.push(0);
        }
        out.extend(std::iter::repeat_n(0u8, n as usize * 4));
        out
    }

    fn write(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut f, bytes).unwrap();
        f
    }

    #[test]
    fn reads_a_complete_file() {
        let f = write(&tiny_gguf("llama", 64, 10));
        let s = inspect(f.path()).unwrap();
        assert_eq!(s.architecture(), Some("llama"));
        assert_eq!(s.embedding_length(), Some(64));
        assert_eq!(s.metadata.get("tokenizer.ggml.tokens"), Some(&MetaValue::Array { len: 2 }));
        assert!(!s.is_mmproj());
    }

    #[test]
    fn a_projector_names_its_image_size_and_type() {
        let metadata = [
            ("general.architecture", MetaValue::Str("clip".into())),
            ("clip.vision.image_size", MetaValue::Uint(896)),
            ("clip.projector_type", MetaValue::Str("gemma3".into())),
        ];
        let metadata = metadata.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        let s = GgufSummary { version: 3, file_size: 0, tensor_count: 0, metadata };
        assert_eq!((s.vision_image_size(), s.projector_type()), (Some(896), Some("gemma3")));
        let f = write(&tiny_gguf("llama", 64, 10));
        assert_eq!(inspect(f.path()).unwrap().vision_image_size(), None);
    }

    #[test]
    fn every_truncation_is_reported_as_such() {
        let full = tiny_gguf("llama", 64, 10);
        for cut in 4..full.len() {
            let f = write(&full[..cut]);
            match inspect(f.path()) {
                Err(GgufError::Truncated { size, needed }) => {
                    assert_eq!(size, cut as u64);
                    assert!(needed > size);
                }
                other => panic!("cut at {cut}: {other:?}"),
            }
        }
    }

    #[test]
    fn foreign_and_missing_files_are_named() {
        let f = write(b"<!DOCTYPE html><html>Not found</html>");
        assert!(matches!(inspect(f.path()), Err(GgufError::NotGguf(m)) if m == "<!DO"));
        let f = write(b"GG");
        assert!(matches!(inspect(f.path()), Err(GgufError::NotGguf(_))));
        assert_eq!(inspect(Path::new("/nonexistent/x.gguf")).unwrap_err(), GgufError::Missing);
        let mut v1 = tiny_gguf("llama", 64, 1);
        v1[4] = 1;
        let f = write(&v1);
        assert_eq!(inspect(f.path()).unwrap_err(), GgufError::UnsupportedVersion(1));
    }

    #[test]
    fn absurd_counts_are_corrupt_not_allocations() {
        let mut b = tiny_gguf("llama", 64, 1);
        b[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
        let f = write(&b);
        assert!(matches!(inspect(f.path()), Err(GgufError::Corrupt(_))));
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_garbage(tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let mut b = b"GGUF\x03\0\0\0".to_vec();
            b.extend_from_slice(&tail);
            let f = write(&b);
            let _ = inspect(f.path());
        }
    }
}
