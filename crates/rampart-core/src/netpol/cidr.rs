//! Interval sets over integers and IP address sets (IPv4 and IPv6) built on them.
//!
//! An ipBlock `{cidr, except}` is the set `cidr \ ∪ except`; representing it as sorted,
//! disjoint inclusive ranges makes union, intersection, difference and membership exact
//! and cheap for both address families.

use std::fmt::Debug;
use std::net::IpAddr;

use ipnet::IpNet;

/// An integer type usable as the points of a [`RangeSet`].
pub(crate) trait Point: Copy + Ord + Debug {
    /// The smallest value.
    const MIN: Self;
    /// The largest value.
    const MAX: Self;
    /// The next value, if any.
    fn succ(self) -> Option<Self>;
    /// The previous value, if any.
    fn pred(self) -> Option<Self>;
}

macro_rules! impl_point {
    ($($t:ty),*) => {$(
        impl Point for $t {
            const MIN: Self = <$t>::MIN;
            const MAX: Self = <$t>::MAX;
            fn succ(self) -> Option<Self> { self.checked_add(1) }
            fn pred(self) -> Option<Self> { self.checked_sub(1) }
        }
    )*};
}
impl_point!(u16, u32, u128);

/// A set of integers stored as sorted, disjoint, non-adjacent inclusive ranges.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RangeSet<T> {
    ranges: Vec<(T, T)>,
}

impl<T: Point> Default for RangeSet<T> {
    fn default() -> Self {
        Self { ranges: Vec::new() }
    }
}

impl<T: Point> RangeSet<T> {
    /// The empty set.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The inclusive range `first..=last` (empty when `first > last`).
    pub fn range(first: T, last: T) -> Self {
        Self::from_ranges([(first, last)])
    }

    /// The union of arbitrary inclusive ranges (ranges with `first > last` are skipped).
    pub fn from_ranges(ranges: impl IntoIterator<Item = (T, T)>) -> Self {
        let mut sorted: Vec<(T, T)> = ranges.into_iter().filter(|(a, b)| a <= b).collect();
        sorted.sort();
        let mut merged: Vec<(T, T)> = Vec::with_capacity(sorted.len());
        for (first, last) in sorted {
            match merged.last_mut() {
                Some(prev) if prev.1.succ().is_none_or(|next| first <= next) => {
                    prev.1 = prev.1.max(last);
                }
                _ => merged.push((first, last)),
            }
        }
        Self { ranges: merged }
    }

    /// True when `value` is in the set.
    pub fn contains(&self, value: T) -> bool {
        let i = self.ranges.partition_point(|&(_, last)| last < value);
        self.ranges.get(i).is_some_and(|&(first, _)| first <= value)
    }

    /// The elements in both `self` and `other`.
    pub fn intersection(&self, other: &Self) -> Self {
        let (mut i, mut j) = (0, 0);
        let mut out = Vec::new();
        while let (Some(&(a1, a2)), Some(&(b1, b2))) = (self.ranges.get(i), other.ranges.get(j)) {
            let (first, last) = (a1.max(b1), a2.min(b2));
            if first <= last {
                out.push((first, last));
            }
            if a2 < b2 {
                i += 1;
            } else {
                j += 1;
            }
        }
        Self { ranges: out }
    }

    /// Every value of `T` not in the set.
    pub fn complement(&self) -> Self {
        let mut out = Vec::with_capacity(self.ranges.len() + 1);
        let mut next = Some(T::MIN);
        for &(first, last) in &self.ranges {
            if let (Some(start), Some(end)) = (next, first.pred())
                && start <= end
            {
                out.push((start, end));
            }
            next = last.succ();
        }
        if let Some(start) = next {
            out.push((start, T::MAX));
        }
        Self { ranges: out }
    }

    /// The elements of `self` not in `other`.
    pub fn difference(&self, other: &Self) -> Self {
        self.intersection(&other.complement())
    }
}

/// A set of IP addresses, IPv4 and IPv6 kept apart (a v4 block never matches a v6 address).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub(crate) struct IpSet {
    v4: RangeSet<u32>,
    v6: RangeSet<u128>,
}

impl IpSet {
    /// Every address of `net` (host bits are ignored: the network is masked).
    pub fn from_net(net: &IpNet) -> Self {
        match net.trunc() {
            IpNet::V4(n) => Self {
                v4: RangeSet::range(n.network().to_bits(), n.broadcast().to_bits()),
                v6: RangeSet::empty(),
            },
            IpNet::V6(n) => Self {
                v4: RangeSet::empty(),
                v6: RangeSet::range(n.network().to_bits(), n.broadcast().to_bits()),
            },
        }
    }

    /// True when `ip` is in the set.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(a) => self.v4.contains(a.to_bits()),
            IpAddr::V6(a) => self.v6.contains(a.to_bits()),
        }
    }

    /// The addresses of `self` not in `other`.
    pub fn difference(&self, other: &Self) -> Self {
        Self {
            v4: self.v4.difference(&other.v4),
            v6: self.v6.difference(&other.v6),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn net(text: &str) -> IpSet {
        match text.parse::<IpNet>() {
            Ok(n) => IpSet::from_net(&n),
            Err(e) => panic!("bad test CIDR {text}: {e}"),
        }
    }

    fn ip(text: &str) -> IpAddr {
        match text.parse() {
            Ok(a) => a,
            Err(e) => panic!("bad test IP {text}: {e}"),
        }
    }

    #[test]
    fn cidr_minus_except() {
        let block = net("10.0.0.0/8").difference(&net("10.1.0.0/16"));
        assert!(block.contains(ip("10.0.0.1")));
        assert!(!block.contains(ip("10.1.2.3")));
        assert!(block.contains(ip("10.2.0.0")));
        assert!(!block.contains(ip("11.0.0.0")));
        assert!(!block.contains(ip("::a00:1")), "v4 never matches v6");
    }

    #[test]
    fn host_bits_are_masked() {
        assert_eq!(net("10.0.1.10/4"), net("0.0.0.0/4"));
    }

    #[test]
    fn full_ranges_and_complement() {
        let all = net("0.0.0.0/0");
        assert!(all.contains(ip("255.255.255.255")));
        assert_eq!(all.difference(&all), IpSet::default());
        let v6 = net("::/0").difference(&net("fd00:ec2::254/128"));
        assert!(!v6.contains(ip("fd00:ec2::254")));
        assert!(v6.contains(ip("fd00:ec2::255")));
        assert_eq!(v6.v6.ranges.len(), 2);
    }

    fn model(set: &RangeSet<u16>, limit: u16) -> Vec<bool> {
        (0..limit).map(|v| set.contains(v)).collect()
    }

    fn arb_set() -> impl Strategy<Value = RangeSet<u16>> {
        proptest::collection::vec((0u16..64, 0u16..8), 0..5).prop_map(|v| {
            RangeSet::from_ranges(v.into_iter().map(|(a, len)| (a, a.saturating_add(len))))
        })
    }

    proptest! {
        #[test]
        fn set_operations_agree_with_membership(a in arb_set(), b in arb_set()) {
            let (ma, mb) = (model(&a, 80), model(&b, 80));
            let check = |set: &RangeSet<u16>, f: &dyn Fn(bool, bool) -> bool| {
                for v in 0..80usize {
                    prop_assert_eq!(set.contains(v as u16), f(ma[v], mb[v]), "value {}", v);
                }
                Ok(())
            };
            check(&a.intersection(&b), &|x, y| x && y)?;
            check(&a.difference(&b), &|x, y| x && !y)?;
            prop_assert_eq!(a.complement().complement(), a.clone());
            prop_assert_eq!(RangeSet::from_ranges(a.ranges.iter().copied()), a);
        }
    }
}
