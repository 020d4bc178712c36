//! Order-preserving data parallelism for index builds: rayon with the
//! `parallel` feature, plain iteration without it (the WASM engine). Results
//! come back in input order, so the index bytes do not depend on the feature
//! or on the number of threads.

/// `items.iter().map(f).collect()`, on all cores with `parallel`.
pub(crate) fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync + Send) -> Vec<R> {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        items.par_iter().map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        items.iter().map(f).collect()
    }
}

/// `(a(), b())`, side by side with `parallel`.
pub(crate) fn join<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    #[cfg(feature = "parallel")]
    {
        rayon::join(a, b)
    }
    #[cfg(not(feature = "parallel"))]
    {
        (a(), b())
    }
}
