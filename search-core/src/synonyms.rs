//! A thesaurus of the words people use for what documentation calls by
//! another name: a user deletes what a manual removes, trims what it
//! strips, and finds a folder where it lists a directory. A plain word of
//! a query also matches the index terms of its alternatives, at
//! [`SYNONYM_WEIGHT`] of the word, the best alternative per word counting
//! (as for prefixes and typos), so a chunk that has the word itself ranks
//! as before and one that says it differently is no longer missed.
//!
//! Entries are directed (`word → alternatives`): the word as a user types
//! it, then the words a manual may use for it. Words that name a thing in
//! programming (`list`, `set`, `map`, `key`, `string`, `table`) are never
//! a source, since their alternatives would be another thing. Forms of
//! one stem (`remove`, `removing`) need no entry: the stemmer joins them,
//! and words it joins to another meaning are left out (`terminate` is
//! `terminal`'s stem, `locate` `location`'s).

use crate::codec::{Reader, Writer};
use crate::error::FormatError;
use crate::tokenize::{TermKind, Tokenizer};

/// Weight of an alternative, relative to the word it stands for.
pub const SYNONYM_WEIGHT: f32 = 0.5;
/// Most alternatives a word of the built-in thesaurus expands to (the
/// first ones listed).
pub const MAX_SYNONYMS: usize = 4;
/// Most alternatives of a word in a site's own thesaurus.
pub const MAX_SITE_SYNONYMS: usize = 8;

/// A site's thesaurus settings (`[search] synonyms` of the generator),
/// carried by the manifest: its own entries, which replace the built-in
/// entry of the same word, and whether the built-in thesaurus is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynonymSettings {
    pub builtin: bool,
    /// `(word, alternatives)`, each one word as a user types it.
    pub site: Vec<(String, Vec<String>)>,
}

impl Default for SynonymSettings {
    fn default() -> Self {
        SynonymSettings {
            builtin: true,
            site: Vec::new(),
        }
    }
}

impl SynonymSettings {
    pub(crate) fn is_default(&self) -> bool {
        *self == SynonymSettings::default()
    }

    /// Manifest section SYNONYMS: `u8` flags (1: no built-in thesaurus),
    /// `v` n, n × (str word, `v` k, k × str alternative).
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u8(u8::from(!self.builtin));
        w.varint(self.site.len() as u64);
        for (word, alts) in &self.site {
            w.str(word);
            w.varint(alts.len() as u64);
            for a in alts {
                w.str(a);
            }
        }
        w.buf
    }

    pub(crate) fn decode(body: &[u8]) -> Result<SynonymSettings, FormatError> {
        let mut r = Reader::new(body);
        let flags = r.u8()?;
        if flags > 1 {
            return Err(FormatError::Malformed("unknown thesaurus flags"));
        }
        let n = r.count(2)?;
        let mut site = Vec::with_capacity(n);
        for _ in 0..n {
            let word = r.str()?.to_string();
            let k = r.count(1)?;
            let mut alts = Vec::with_capacity(k);
            for _ in 0..k {
                alts.push(r.str()?.to_string());
            }
            site.push((word, alts));
        }
        if !r.is_empty() {
            return Err(FormatError::Malformed("bytes after the thesaurus"));
        }
        Ok(SynonymSettings {
            builtin: flags == 0,
            site,
        })
    }
}

/// `word alternatives…` per line (`#` starts a comment line): lowercase,
/// one word each, the word as a user types it first. One string rather
/// than a table of slices, which would cost the WASM engine a pointer pair
/// per word.
pub const THESAURUS: &str = "\
# Removing and creating.\n\
delete remove erase unlink drop\n\
remove delete erase drop\n\
erase delete remove\n\
drop remove delete\n\
create make new add generate\n\
generate create produce\n\
add append insert register\n\
append add extend\n\
insert add\n\
uninstall remove\n\
install setup\n\
setup install configure\n\
# Running and stopping.\n\
start launch run begin spawn\n\
launch start run spawn\n\
run execute invoke launch start\n\
execute run invoke\n\
invoke call run\n\
call invoke\n\
spawn start launch create\n\
stop halt kill cancel\n\
kill stop signal\n\
quit exit\n\
exit quit\n\
cancel abort stop\n\
abort cancel\n\
restart reload reboot\n\
reload restart refresh\n\
refresh reload update\n\
shutdown stop close\n\
# Showing and finding.\n\
show display print list view\n\
display show print\n\
print output display write\n\
see show view list\n\
view show display inspect\n\
find search locate lookup\n\
search find lookup locate\n\
lookup find search\n\
retrieve get fetch obtain\n\
fetch retrieve download get\n\
download fetch retrieve\n\
upload send push\n\
# Changing.\n\
change modify alter update edit\n\
modify change alter update edit\n\
edit modify change update\n\
alter modify change\n\
update upgrade refresh modify\n\
upgrade update migrate\n\
downgrade rollback revert\n\
rollback revert downgrade undo\n\
revert undo rollback reset\n\
undo revert rollback reset\n\
copy duplicate clone\n\
clone copy\n\
duplicate unique distinct copy\n\
unique distinct\n\
distinct unique\n\
rename move\n\
move rename relocate\n\
combine merge join concatenate\n\
merge combine join concatenate\n\
join concatenate combine merge\n\
concatenate join concat combine\n\
concat concatenate join\n\
split divide separate partition\n\
separate split\n\
trim strip\n\
strip trim\n\
replace substitute\n\
substitute replace\n\
clear reset empty\n\
reset clear\n\
keep retain preserve\n\
retain keep preserve\n\
preserve keep retain\n\
free release deallocate\n\
release free\n\
# Checking.\n\
check test verify validate determine\n\
verify check validate\n\
validate check verify\n\
exist present\n\
empty blank\n\
blank empty\n\
compare comparison equal\n\
same identical equal\n\
identical same equal\n\
difference differ different compare\n\
wrong incorrect invalid\n\
incorrect wrong invalid\n\
broken corrupt damaged invalid\n\
corrupt corrupted damaged\n\
missing absent lost\n\
lost missing lose\n\
# Words of one language for what another calls otherwise.\n\
throw raise\n\
rethrow raise reraise\n\
catch except handle\n\
declare define\n\
define declare\n\
null none nil\n\
nil null none\n\
boolean bool\n\
bool boolean\n\
str string\n\
func function\n\
fn function\n\
hashmap dictionary dict map\n\
hashtable dictionary dict map\n\
# Quiet and verbose, allowed and blocked.\n\
hide suppress silence quiet\n\
suppress hide silence disable\n\
silence quiet suppress\n\
quiet silent suppress\n\
silent quiet\n\
verbose debug trace detailed\n\
ignore skip exclude\n\
skip ignore exclude\n\
exclude ignore skip\n\
disable deactivate suppress\n\
enable activate\n\
activate enable\n\
allow permit enable\n\
permit allow\n\
prevent block disable forbid\n\
block prevent deny\n\
deny block reject forbid\n\
reject deny refuse\n\
refuse reject deny\n\
# Speed and resources.\n\
fast speed performance quick faster\n\
faster speed performance fast\n\
quick fast\n\
slow performance latency slower\n\
speed performance fast\n\
performance speed\n\
memory ram heap\n\
ram memory\n\
storage disk space\n\
disk storage\n\
huge large big\n\
big large\n\
large big huge\n\
tiny small\n\
# Failure.\n\
crash fail abort panic segfault\n\
fail error failure crash\n\
error exception failure fault\n\
exception error\n\
bug issue defect\n\
hang freeze block deadlock stuck\n\
freeze hang stuck\n\
stuck hang block\n\
timeout deadline timed\n\
wait sleep delay block\n\
sleep wait pause delay\n\
pause sleep suspend\n\
delay wait sleep latency\n\
schedule cron timer periodic\n\
# Limits.\n\
limit maximum max cap\n\
maximum max limit\n\
max maximum limit\n\
minimum min\n\
min minimum\n\
# Configuration and places.\n\
config configuration settings options\n\
configuration config settings\n\
settings configuration config options\n\
preferences settings configuration\n\
folder directory\n\
directory folder\n\
dir directory\n\
url link address uri\n\
uri url\n\
env environment\n\
environment env\n\
var variable\n\
temporary temp tmp\n\
temp temporary\n\
tmp temporary\n\
pc computer machine host\n\
computer machine host\n\
machine host computer\n\
server host\n\
cmd command\n\
# Access.\n\
permission access privilege rights\n\
access permission\n\
privilege permission\n\
admin administrator elevated\n\
administrator admin elevated\n\
password credential secret\n\
credential password\n\
secret password\n\
login authenticate authentication sign\n\
authenticate login authentication\n\
auth authentication authenticate\n\
cert certificate\n\
certificate cert\n\
# Concurrency and time.\n\
parallel concurrent concurrently threads\n\
concurrent parallel\n\
async asynchronous\n\
asynchronous async\n\
now current\n\
current now\n\
timestamp time epoch\n\
# Data and conversion.\n\
convert cast transform parse conversion\n\
cast convert\n\
transform convert\n\
parse read decode\n\
encode serialize escape\n\
serialize encode dump\n\
deserialize decode load parse\n\
dump serialize export backup\n\
export dump save\n\
load read import\n\
save write store persist\n\
store save\n\
persist save store\n\
backup dump snapshot copy\n\
snapshot backup\n\
restore recover load\n\
recover restore\n\
count number length size\n\
length size count len\n\
size length count\n\
len length\n\
integer int\n\
int integer\n\
dictionary dict mapping\n\
dict dictionary mapping\n\
array list\n\
sort order sorted\n\
order sort\n\
reverse reversed backwards\n\
uppercase upper capitalize\n\
lowercase lower\n\
capitalize uppercase upper\n\
whitespace spaces space blank\n\
loop iterate iteration\n\
iterate loop\n\
function method callable\n\
method function\n\
parameter argument option\n\
argument parameter option\n\
arg argument\n\
param parameter\n\
flag option switch\n\
option flag setting\n\
switch option flag\n\
escape quote encode\n\
zip compress archive\n\
compress zip compression archive\n\
archive zip compress\n\
encrypt encryption cipher\n\
random shuffle randomly\n\
truncate cut shorten\n\
shorten truncate\n\
# Messages and connections.\n\
alert notify warning alerting\n\
notify alert notification\n\
send emit publish post transmit\n\
emit send fire\n\
receive listen subscribe\n\
listen receive bind\n\
disconnect close\n\
close shutdown disconnect\n\
# Age and versions.\n\
old previous legacy older deprecated\n\
legacy old deprecated\n\
latest newest new\n\
automatic automatically auto\n\
auto automatic automatically\n\
manually explicitly\n\
help documentation usage\n\
usage help\n\
docs documentation";

/// Each line's word and alternatives, comments left out.
fn entries_of(text: &str) -> impl Iterator<Item = (&str, Vec<&str>)> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            Some((words.next()?, words.collect()))
        })
}

/// The thesaurus as index terms: each word's term (stemmed as the index
/// stems) to its alternatives' terms, itself and duplicates left out. A
/// list, not a hash table: the query path keeps hashing out of the WASM
/// engine.
#[derive(Debug, Default)]
pub struct Synonyms {
    entries: Vec<(String, Vec<String>)>,
}

impl Synonyms {
    /// The site's entries, then the built-in thesaurus (when the index
    /// stems English, since it is English; and unless the site turned it
    /// off) for the words the site left alone, through `tokenizer`.
    pub fn new(tokenizer: &Tokenizer, settings: &SynonymSettings) -> Self {
        let mut entries: Vec<(String, Vec<String>)> = Vec::new();
        // `terms`, not `tokenize` with a closure of its own: that would be
        // a second copy of the tokenizer in the WASM engine.
        let term = |w: &str| {
            tokenizer
                .terms(w)
                .into_iter()
                .find(|t| t.kind == TermKind::Whole)
                .map(|t| t.text)
        };
        let mut add = |word: &str, alts: &mut dyn Iterator<Item = &str>, max: usize| {
            let Some(key) = term(word) else { return };
            if entries.iter().any(|e| e.0 == key) {
                return;
            }
            let mut list: Vec<String> = Vec::new();
            for a in alts {
                if let Some(t) = term(a) {
                    if t != key && !list.contains(&t) {
                        list.push(t);
                    }
                }
            }
            list.truncate(max);
            if !list.is_empty() {
                entries.push((key, list));
            }
        };
        for (word, alts) in &settings.site {
            add(
                word,
                &mut alts.iter().map(String::as_str),
                MAX_SITE_SYNONYMS,
            );
        }
        if settings.builtin && tokenizer.settings().stem {
            for (word, alts) in entries_of(THESAURUS) {
                add(word, &mut alts.into_iter(), MAX_SYNONYMS);
            }
        }
        Synonyms { entries }
    }

    /// Alternatives of index term `term`. A scan: a few hundred entries
    /// for a query's few words cost less than a sort's code in the engine.
    pub fn of(&self, term: &str) -> &[String] {
        self.entries
            .iter()
            .find(|e| e.0 == term)
            .map_or(&[], |e| e.1.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::TokenizerSettings;

    #[test]
    fn entries_are_single_lowercase_words_without_repeats() {
        let entries: Vec<(&str, Vec<&str>)> = entries_of(THESAURUS).collect();
        assert!(entries.len() > 200);
        // Every source word has a stem of its own, so no entry hides another.
        let t = Tokenizer::new(TokenizerSettings::default());
        let mut stems = std::collections::HashMap::new();
        for (word, alts) in &entries {
            let stem = t.terms(word).first().map(|x| x.text.clone());
            if let Some(other) = stems.insert(stem.clone(), *word) {
                panic!("{other} and {word} share the stem {stem:?}");
            }
            assert!(!alts.is_empty() && alts.len() <= MAX_SYNONYMS, "{word}");
            for w in std::iter::once(word).chain(alts.iter()) {
                assert!(
                    w.chars().all(|c| c.is_ascii_lowercase()),
                    "{w:?} is not one lowercase word"
                );
            }
        }
        assert_eq!(
            Synonyms::new(&t, &SynonymSettings::default()).entries.len(),
            entries.len()
        );
    }

    #[test]
    fn terms_are_stemmed_like_the_index() {
        let s = Synonyms::new(
            &Tokenizer::new(TokenizerSettings::default()),
            &SynonymSettings::default(),
        );
        // "deleting" and "delete" share a stem, so the query's term finds
        // the entry whatever form was typed.
        let t = Tokenizer::new(TokenizerSettings::default());
        let mut stem = String::new();
        t.tokenize("deleting", 0, |w| {
            stem = w.primary().unwrap().text.clone();
        });
        let alts = s.of(&stem);
        let mut remove = String::new();
        t.tokenize("removed", 0, |w| {
            remove = w.primary().unwrap().text.clone();
        });
        assert!(alts.contains(&remove), "{alts:?}");
        assert!(!alts.contains(&stem));
    }

    #[test]
    fn an_index_that_does_not_stem_english_has_none() {
        let settings = TokenizerSettings {
            stem: false,
            ..TokenizerSettings::default()
        };
        let s = Synonyms::new(&Tokenizer::new(settings), &SynonymSettings::default());
        assert!(s.of("delete").is_empty());
    }
}
