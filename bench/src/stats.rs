//! Summary statistics: median [min-max] over repetitions.

/// Median, minimum and maximum of a sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// The median (mean of the two middle values for an even count).
    pub median: f64,
    /// The smallest value.
    pub min: f64,
    /// The largest value.
    pub max: f64,
    /// The number of values.
    pub n: usize,
}

impl Summary {
    /// Summarises `values`; `None` for an empty sample. NaNs are ignored.
    pub fn of(values: &[f64]) -> Option<Summary> {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 };
        Some(Summary { median, min: v[0], max: v[n - 1], n })
    }

    /// `median [min-max]` with `digits` decimals (just the value when all are equal).
    pub fn display(&self, digits: usize) -> String {
        if self.n == 1 || self.min == self.max {
            format!("{:.digits$}", self.median)
        } else {
            format!("{:.digits$} [{:.digits$}-{:.digits$}]", self.median, self.min, self.max)
        }
    }
}

/// A sensible number of decimals for a value of this magnitude.
pub fn digits_for(value: f64) -> usize {
    let a = value.abs();
    if a == 0.0 || a >= 100.0 {
        0
    } else if a >= 10.0 {
        1
    } else if a >= 0.1 {
        2
    } else {
        3
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_odd_even_and_empty() {
        let s = Summary::of(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!((s.median, s.min, s.max, s.n), (2.0, 1.0, 3.0, 3));
        assert_eq!(Summary::of(&[4.0, 1.0, 2.0, 10.0]).unwrap().median, 3.0);
        assert_eq!(Summary::of(&[]), None);
        assert_eq!(Summary::of(&[f64::NAN, 5.0]).unwrap().median, 5.0);
    }

    #[test]
    fn display() {
        assert_eq!(Summary::of(&[1.0, 2.0, 4.0]).unwrap().display(1), "2.0 [1.0-4.0]");
        assert_eq!(Summary::of(&[0.5]).unwrap().display(2), "0.50");
        assert_eq!(digits_for(123.4), 0);
        assert_eq!(digits_for(0.01), 3);
    }
}
