use mcdewey::serve::library::Library;
use mcdewey_search_core::{parse_query, Filters, snippet, SNIPPET_CHARS};
use std::time::Instant;
fn main() {
    let lib = std::sync::Arc::new(Library::load(std::path::Path::new("/tmp/ps-site")).unwrap());
    let qs = ["Get-ChildItem recurse", "hidden files", "ConvertTo-Json depth", "how do I stop a process", "Get-ChildItm", "Invoke-RestMethod body", "Get-Acl"];
    let n = 300;
    for q0 in qs {
        let q = parse_query(q0, Filters { version: vec!["7.7".into()], ..Default::default() });
        let r = lib.index.search(&q).unwrap();
        let t = Instant::now();
        for _ in 0..n { std::hint::black_box(lib.index.matched_terms(&q)); }
        let mt = t.elapsed().as_secs_f64() * 1e6 / n as f64;
        let terms = lib.index.matched_terms(&q);
        let texts: Vec<String> = r.hits.iter().map(|h| lib.index.hit(h.ordinal, &q).unwrap().snippet.text).collect();
        let mds: Vec<String> = r.hits.iter().map(|h| { let id = lib.index.hit(h.ordinal,&q).unwrap().id; let (d,n)=id.rsplit_once("::").unwrap(); lib.doc(d).unwrap().chunk(n.parse().unwrap()).unwrap().markdown.clone() }).collect();
        let t = Instant::now();
        for _ in 0..n { for m in &mds { let p = mcdewey::markdown::plain_text(m); std::hint::black_box(snippet(lib.index.tokenizer(), &p, &terms, SNIPPET_CHARS)); } }
        let sn = t.elapsed().as_secs_f64() * 1e6 / n as f64;
        let t = Instant::now();
        for _ in 0..n { for m in &mds { std::hint::black_box(mcdewey::markdown::plain_text(m)); } }
        let pt = t.elapsed().as_secs_f64() * 1e6 / n as f64;
        let same = r.hits.iter().zip(&mds).all(|(h, m)| { let p = mcdewey::markdown::plain_text(m); snippet(lib.index.tokenizer(), &p, &terms, SNIPPET_CHARS).text == lib.index.hit(h.ordinal,&q).unwrap().snippet.text });
        println!("{q0:28} matched_terms {mt:7.1} us  plain+snippet x10 {sn:7.1} us (plain {pt:6.1})  same={same} {}", texts.len());
    }
}
