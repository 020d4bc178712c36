//! Resource limits: a small PDF can hold a stream that inflates to
//! gigabytes, or a page that draws millions of operations. Every stream the
//! importer reads is decoded here, once, by a decoder that stops at the
//! limit, before lopdf or pdf-extract would decode it without one.

use std::io::{Read, Write};
use std::time::Duration;

use lopdf::{Dictionary, Document, Object, Stream};

/// Bounds on what one PDF may cost. A file over any of them is not imported:
/// [`crate::ImportError::Limit`] names the limit, the caller reports the file
/// and goes on. The defaults are far above what real manuals need (the
/// largest stream in a 2,500-page reference manual decodes to under 1 MiB).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfLimits {
    /// Decoded size of any one stream (content, font, CMap), in bytes.
    pub max_stream_bytes: u64,
    /// Decoded size of all streams of the file together, in bytes.
    pub max_decoded_bytes: u64,
    /// Content-stream operations one page may run, counting each use of a
    /// form XObject's operations.
    pub max_page_operations: u64,
    /// Physical pages per file.
    pub max_pages: usize,
    /// Wall-clock time for the whole file; `None` for no limit.
    pub max_time: Option<Duration>,
}

impl Default for PdfLimits {
    fn default() -> Self {
        PdfLimits {
            max_stream_bytes: 64 << 20,
            max_decoded_bytes: 1 << 30,
            max_page_operations: 2_000_000,
            max_pages: 50_000,
            max_time: Some(Duration::from_secs(300)),
        }
    }
}

/// Which limit a file went over, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitExceeded {
    /// The [`PdfLimits`] field, e.g. `max_stream_bytes`.
    pub limit: &'static str,
    /// What went over it, for a person.
    pub detail: String,
}

pub(crate) fn exceeded(limit: &'static str, detail: String) -> LimitExceeded {
    LimitExceeded { limit, detail }
}

pub(crate) fn mib(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

/// A writer that refuses to grow past `limit` bytes.
struct Capped {
    out: Vec<u8>,
    limit: u64,
    over: bool,
}

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.out.len() as u64 + buf.len() as u64 > self.limit {
            self.over = true;
            return Err(std::io::Error::other("over the limit"));
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Outcome of decoding one stream.
pub(crate) enum Decoded {
    /// The plain bytes.
    Plain(Vec<u8>),
    /// A filter we leave to others (image codecs): the stream is untouched.
    Unsupported,
    /// The output would pass `limit` bytes.
    Over,
}

/// Decodes `stream`'s filter chain without ever holding more than `limit`
/// output bytes. Corrupt data gives what decoded before the damage, as
/// lopdf does.
pub(crate) fn decode(stream: &Stream, limit: u64) -> Decoded {
    let filters: Vec<Vec<u8>> = match stream.dict.get(b"Filter") {
        Ok(Object::Name(n)) => vec![n.clone()],
        Ok(Object::Array(a)) => a
            .iter()
            .filter_map(|o| o.as_name().ok().map(<[u8]>::to_vec))
            .collect(),
        _ => return Decoded::Plain(stream.content.clone()),
    };
    let parms: Vec<Option<&Dictionary>> = match stream.dict.get(b"DecodeParms") {
        Ok(Object::Dictionary(d)) => vec![Some(d)],
        Ok(Object::Array(a)) => a.iter().map(|o| o.as_dict().ok()).collect(),
        _ => Vec::new(),
    };
    let mut data: Vec<u8> = stream.content.clone();
    for (i, f) in filters.iter().enumerate() {
        let mut out = Capped {
            out: Vec::new(),
            limit,
            over: false,
        };
        match f.as_slice() {
            b"FlateDecode" | b"Fl" => inflate(&data, &mut out),
            b"LZWDecode" | b"LZW" => lzw(&data, parms.get(i).copied().flatten(), &mut out),
            b"ASCII85Decode" | b"A85" => ascii85(&data, &mut out),
            b"ASCIIHexDecode" | b"AHx" => ascii_hex(&data, &mut out),
            b"RunLengthDecode" | b"RL" => run_length(&data, &mut out),
            _ => return Decoded::Unsupported,
        }
        if out.over {
            return Decoded::Over;
        }
        data = out.out;
        if let Some(p) = parms.get(i).copied().flatten() {
            match unpredict(data, p, limit) {
                Some(d) => data = d,
                None => return Decoded::Unsupported,
            }
        }
    }
    Decoded::Plain(data)
}

fn inflate(data: &[u8], out: &mut Capped) {
    let mut z = flate2::write::ZlibDecoder::new(&mut *out);
    let ok = z.write_all(data).and_then(|()| z.try_finish()).is_ok();
    drop(z);
    // Some producers write raw deflate, or a zlib header with a bad
    // checksum: retry without the header when nothing came out.
    if !ok && !out.over && out.out.is_empty() && data.len() > 2 {
        let mut d = flate2::write::DeflateDecoder::new(&mut *out);
        let _ = d.write_all(&data[2..]).and_then(|()| d.try_finish());
    }
}

fn lzw(data: &[u8], parms: Option<&Dictionary>, out: &mut Capped) {
    use weezl::{decode::Decoder, BitOrder};
    let early = parms
        .and_then(|p| p.get(b"EarlyChange").ok())
        .and_then(|v| v.as_i64().ok())
        .is_none_or(|v| v != 0);
    let mut dec = if early {
        Decoder::with_tiff_size_switch(BitOrder::Msb, 8)
    } else {
        Decoder::new(BitOrder::Msb, 8)
    };
    let _ = dec.into_stream(&mut *out).decode_all(data).status;
}

fn ascii85(data: &[u8], out: &mut Capped) {
    let mut group = [0u8; 5];
    let mut n = 0;
    let mut buf = Vec::with_capacity(4096);
    for &c in data {
        match c {
            b'~' => break,
            b'z' if n == 0 => buf.extend_from_slice(&[0; 4]),
            b'!'..=b'u' => {
                group[n] = c - b'!';
                n += 1;
                if n == 5 {
                    let v = group.iter().fold(0u64, |a, &d| a * 85 + d as u64) as u32;
                    buf.extend_from_slice(&v.to_be_bytes());
                    n = 0;
                }
            }
            _ => {}
        }
        if buf.len() >= 4096 {
            if out.write_all(&buf).is_err() {
                return;
            }
            buf.clear();
        }
    }
    if n > 1 {
        for g in group.iter_mut().skip(n) {
            *g = 84;
        }
        let v = group.iter().fold(0u64, |a, &d| a * 85 + d as u64) as u32;
        buf.extend_from_slice(&v.to_be_bytes()[..n - 1]);
    }
    let _ = out.write_all(&buf);
}

fn ascii_hex(data: &[u8], out: &mut Capped) {
    let digits: Vec<u8> = data
        .iter()
        .take_while(|&&c| c != b'>')
        .filter_map(|&c| (c as char).to_digit(16).map(|d| d as u8))
        .collect();
    let bytes: Vec<u8> = digits
        .chunks(2)
        .map(|p| (p[0] << 4) | p.get(1).copied().unwrap_or(0))
        .collect();
    let _ = out.write_all(&bytes);
}

fn run_length(data: &[u8], out: &mut Capped) {
    let mut i = 0;
    while i < data.len() {
        let len = data[i] as usize;
        i += 1;
        let r = match len {
            128 => break,
            0..=127 => {
                let end = (i + len + 1).min(data.len());
                let r = out.write_all(&data[i..end]);
                i = end;
                r
            }
            _ => {
                let Some(&b) = data.get(i) else { break };
                i += 1;
                out.write_all(&vec![b; 257 - len])
            }
        };
        if r.is_err() {
            return;
        }
    }
}

/// Undoes a PNG or TIFF predictor; `None` for one we do not know.
fn unpredict(data: Vec<u8>, parms: &Dictionary, limit: u64) -> Option<Vec<u8>> {
    let get = |k: &[u8], d: i64| parms.get(k).ok().and_then(|v| v.as_i64().ok()).unwrap_or(d);
    let predictor = get(b"Predictor", 1);
    if predictor <= 1 {
        return Some(data);
    }
    let colors = get(b"Colors", 1).clamp(1, 32) as usize;
    let bits = get(b"BitsPerComponent", 8).clamp(1, 16) as usize;
    let columns = get(b"Columns", 1).clamp(1, 1 << 20) as usize;
    if (10..=15).contains(&predictor) {
        // As lopdf reads them: whole bytes per pixel.
        let bpp = colors * bits.max(8) / 8;
        let out = lopdf::filters::png::decode_frame(&data, bpp, columns).ok()?;
        (out.len() as u64 <= limit).then_some(out)
    } else if predictor == 2 && bits == 8 {
        let mut data = data;
        let row = colors * columns;
        for r in data.chunks_mut(row) {
            for i in colors..r.len() {
                r[i] = r[i].wrapping_add(r[i - colors]);
            }
        }
        Some(data)
    } else {
        None
    }
}

/// Decodes, within the limits, every stream text extraction may read
/// (contents, forms, fonts, CMaps) and stores it plain, so nothing
/// downstream decodes again. Images (emptied beforehand), attachments and
/// metadata are never read and are left alone.
pub(crate) fn decode_streams(doc: &mut Document, limits: &PdfLimits) -> Result<(), LimitExceeded> {
    let mut total: u64 = 0;
    for (id, obj) in doc.objects.iter_mut() {
        let Object::Stream(stream) = obj else {
            continue;
        };
        if stream.dict.get(b"Filter").is_err() {
            continue;
        }
        let kind = |k: &[u8]| {
            stream
                .dict
                .get(k)
                .ok()
                .and_then(|s| s.as_name().ok())
                .map(<[u8]>::to_vec)
        };
        if kind(b"Subtype").as_deref() == Some(b"Image")
            || matches!(
                kind(b"Type").as_deref(),
                Some(b"EmbeddedFile" | b"Metadata" | b"XRef" | b"ObjStm")
            )
        {
            continue;
        }
        match decode(stream, limits.max_stream_bytes) {
            Decoded::Plain(data) => {
                total += data.len() as u64;
                if total > limits.max_decoded_bytes {
                    return Err(exceeded(
                        "max_decoded_bytes",
                        format!(
                            "its streams decode to more than {} in all",
                            mib(limits.max_decoded_bytes)
                        ),
                    ));
                }
                stream.set_plain_content(data);
            }
            Decoded::Unsupported => {}
            Decoded::Over => {
                return Err(exceeded(
                    "max_stream_bytes",
                    format!(
                        "stream {} {} R decodes to more than {}",
                        id.0,
                        id.1,
                        mib(limits.max_stream_bytes)
                    ),
                ))
            }
        }
    }
    Ok(())
}

/// lopdf inflates object and cross-reference streams while loading, with
/// no bound. Before loading, find each such stream in the raw bytes and
/// inflate it into nothing, counting, to refuse a bomb.
pub(crate) fn check_raw_streams(bytes: &[u8], limit: u64) -> Result<(), LimitExceeded> {
    let mut from = 0;
    while let Some(at) = find(&bytes[from..], b"/Type").map(|i| from + i) {
        from = at + 5;
        let rest = &bytes[from..bytes.len().min(from + 32)];
        let rest = trim_start(rest);
        if !(rest.starts_with(b"/ObjStm") || rest.starts_with(b"/XRef")) {
            continue;
        }
        // The stream data follows the dictionary: `stream` then EOL.
        let window = &bytes[from..bytes.len().min(from + 8192)];
        let Some(s) = find(window, b"stream") else {
            continue;
        };
        let mut start = from + s + 6;
        if bytes.get(start) == Some(&b'\r') {
            start += 1;
        }
        if bytes.get(start) == Some(&b'\n') {
            start += 1;
        }
        let mut z = flate2::read::ZlibDecoder::new(&bytes[start..]).take(limit + 1);
        let n = std::io::copy(&mut z, &mut std::io::sink()).unwrap_or(0);
        if n > limit {
            return Err(exceeded(
                "max_stream_bytes",
                format!(
                    "an object stream at byte {at} decodes to more than {}",
                    mib(limit)
                ),
            ));
        }
    }
    Ok(())
}

fn trim_start(b: &[u8]) -> &[u8] {
    let i = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    &b[i..]
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(data).unwrap();
        z.finish().unwrap()
    }

    fn stream(filter: Object, content: Vec<u8>) -> Stream {
        let mut d = Dictionary::new();
        d.set("Filter", filter);
        Stream::new(d, content)
    }

    #[test]
    fn decoding_stops_at_the_limit() {
        let s = stream(
            Object::Name(b"FlateDecode".to_vec()),
            zlib(&vec![0u8; 1 << 20]),
        );
        assert!(matches!(decode(&s, 1000), Decoded::Over));
        match decode(&s, 1 << 20) {
            Decoded::Plain(d) => assert_eq!(d.len(), 1 << 20),
            _ => panic!("fits exactly"),
        }
    }

    #[test]
    fn filter_chains_decode() {
        let text = b"BT /F1 12 Tf (Hello) Tj ET".to_vec();
        // ASCII85 of zlib, as hand-written PDFs chain them.
        let z = zlib(&text);
        let mut a85 = Vec::new();
        for chunk in z.chunks(4) {
            let mut b = [0u8; 4];
            b[..chunk.len()].copy_from_slice(chunk);
            let mut v = u32::from_be_bytes(b) as u64;
            let mut digits = [0u8; 5];
            for d in digits.iter_mut().rev() {
                *d = (v % 85) as u8 + b'!';
                v /= 85;
            }
            a85.extend_from_slice(&digits[..chunk.len() + 1]);
        }
        a85.extend_from_slice(b"~>");
        let s = stream(
            Object::Array(vec![
                Object::Name(b"ASCII85Decode".to_vec()),
                Object::Name(b"FlateDecode".to_vec()),
            ]),
            a85,
        );
        match decode(&s, 1 << 20) {
            Decoded::Plain(d) => assert_eq!(d, text),
            _ => panic!("decodes"),
        }
        let hex: String = text.iter().map(|b| format!("{b:02x}")).collect();
        let s = stream(
            Object::Name(b"AHx".to_vec()),
            format!("{hex}>").into_bytes(),
        );
        assert!(matches!(decode(&s, 1 << 20), Decoded::Plain(d) if d == text));
        // Run length: a literal run of 3, then 'x' repeated 4 times.
        let s = stream(
            Object::Name(b"RunLengthDecode".to_vec()),
            vec![2, b'a', b'b', b'c', 253, b'x', 128],
        );
        assert!(matches!(decode(&s, 1 << 20), Decoded::Plain(d) if d == b"abcxxxx"));
        assert!(matches!(decode(&s, 5), Decoded::Over));
    }

    #[test]
    fn object_stream_bombs_are_found_before_loading() {
        let bomb = zlib(&vec![b' '; 4 << 20]);
        let mut pdf =
            b"%PDF-1.5\n5 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode >>\nstream\n"
                .to_vec();
        pdf.extend_from_slice(&bomb);
        pdf.extend_from_slice(b"\nendstream\nendobj\n");
        let err = check_raw_streams(&pdf, 1 << 20).unwrap_err();
        assert_eq!(err.limit, "max_stream_bytes");
        assert!(check_raw_streams(&pdf, 8 << 20).is_ok());
    }
}
