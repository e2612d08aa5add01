//! The model currently serving, swappable without locks.

use std::sync::Arc;

use arc_swap::ArcSwapOption;

use crate::classifier::Classifier;

/// Holds the loaded classifier. Requests take a cheap snapshot of it, so a
/// request always finishes on the model it started with, even if another is
/// swapped in meanwhile.
#[derive(Default)]
pub struct ModelSlot {
    current: ArcSwapOption<Classifier>,
}

impl ModelSlot {
    /// The model now served, if one is loaded.
    pub fn get(&self) -> Option<Arc<Classifier>> {
        self.current.load_full()
    }

    /// Serves `classifier` from the next request on.
    pub fn set(&self, classifier: Classifier) {
        self.current.store(Some(Arc::new(classifier)));
    }
}
