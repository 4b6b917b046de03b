//! One allocation per distinct text, for texts held to the end of a build
//! that recur across files: a problem's message, a gate's name, a status.

use std::sync::Arc;

/// The texts held so far, each once.
#[derive(Default)]
pub struct Shared(rustc_hash::FxHashSet<Arc<str>>);

impl Shared {
    /// The held allocation of `text`; a new text is held from now on.
    pub fn get(&mut self, text: impl AsRef<str> + Into<Arc<str>>) -> Arc<str> {
        if let Some(held) = self.0.get(text.as_ref()) {
            return held.clone();
        }
        let text: Arc<str> = text.into();
        self.0.insert(text.clone());
        text
    }

    /// Makes `text` the held allocation of its text; a new text is held
    /// from now on.
    pub fn share(&mut self, text: &mut Arc<str>) {
        match self.0.get(&**text) {
            Some(held) => *text = held.clone(),
            None => {
                self.0.insert(text.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_share_one_allocation_and_different_ones_do_not() {
        let mut shared = Shared::default();
        let a = shared.get("Gate 1");
        let b = shared.get(String::from("Gate 1"));
        assert!(Arc::ptr_eq(&a, &b));
        let mut c: Arc<str> = "Gate 1".into();
        shared.share(&mut c);
        assert!(Arc::ptr_eq(&a, &c));
        let mut d: Arc<str> = "Gate 2".into();
        let before = d.clone();
        shared.share(&mut d);
        assert!(Arc::ptr_eq(&d, &before) && !Arc::ptr_eq(&d, &a));
        assert!(Arc::ptr_eq(&shared.get("Gate 2"), &before));
    }
}
