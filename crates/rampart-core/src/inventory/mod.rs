//! Package inventories.
