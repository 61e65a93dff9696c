using System.Globalization;

namespace Fixpoint.Certify;

/// <summary>
/// Boxes (interval vectors) as plain <see cref="Interval"/> spans or arrays, one interval per
/// coordinate, and interval matrices stored row-major. A box is empty when any coordinate is.
/// </summary>
public static class IntervalVector
{
    /// <summary>The box [lo_i, hi_i]; throws when the lengths differ or a pair is not an interval.</summary>
    public static Interval[] FromBounds(ReadOnlySpan<double> lo, ReadOnlySpan<double> hi)
    {
        if (lo.Length != hi.Length) throw new ArgumentException($"lo has {lo.Length} entries, hi {hi.Length}");
        var box = new Interval[lo.Length];
        for (int i = 0; i < box.Length; i++) box[i] = new Interval(lo[i], hi[i]);
        return box;
    }

    /// <summary>The cube [lo, hi]ⁿ.</summary>
    public static Interval[] Cube(int n, double lo, double hi)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        var box = new Interval[n];
        Array.Fill(box, new Interval(lo, hi));
        return box;
    }

    /// <summary>The degenerate box {x}.</summary>
    public static Interval[] FromPoint(ReadOnlySpan<double> x)
    {
        var box = new Interval[x.Length];
        for (int i = 0; i < x.Length; i++) box[i] = Interval.Point(x[i]);
        return box;
    }

    /// <summary>The box x ± r in every coordinate, rounded outward.</summary>
    public static Interval[] Around(ReadOnlySpan<double> center, double radius)
    {
        var box = new Interval[center.Length];
        for (int i = 0; i < box.Length; i++) box[i] = Interval.Around(center[i], radius);
        return box;
    }

    public static bool IsEmpty(ReadOnlySpan<Interval> box)
    {
        foreach (Interval x in box) if (x.IsEmpty) return true;
        return false;
    }

    public static double[] Midpoint(ReadOnlySpan<Interval> box)
    {
        var m = new double[box.Length];
        for (int i = 0; i < m.Length; i++) m[i] = box[i].Midpoint;
        return m;
    }

    /// <summary>The largest coordinate width, rounded up: the ∞-norm diameter of the box.</summary>
    public static double MaxWidth(ReadOnlySpan<Interval> box)
    {
        double w = 0;
        foreach (Interval x in box) w = Math.Max(w, x.Width);
        return w;
    }

    /// <summary>The first coordinate of largest width.</summary>
    public static int WidestCoordinate(ReadOnlySpan<Interval> box)
    {
        int k = 0;
        double w = -1;
        for (int i = 0; i < box.Length; i++)
        {
            double wi = box[i].Width;
            if (wi > w) { w = wi; k = i; }
        }
        return k;
    }

    /// <summary>max over coordinates of the magnitude: an upper bound of ‖x‖∞ over the box.</summary>
    public static double MaxMag(ReadOnlySpan<Interval> box)
    {
        double m = 0;
        foreach (Interval x in box) m = Math.Max(m, x.Mag);
        return m;
    }

    /// <summary>The product of the widths (in floating point, not rounded: for bookkeeping only).</summary>
    public static double Volume(ReadOnlySpan<Interval> box)
    {
        double v = 1;
        foreach (Interval x in box) v *= x.Hi - x.Lo;
        return v;
    }

    public static bool Contains(ReadOnlySpan<Interval> box, ReadOnlySpan<double> x)
    {
        if (box.Length != x.Length) throw new ArgumentException("box and point differ in dimension");
        for (int i = 0; i < box.Length; i++) if (!box[i].Contains(x[i])) return false;
        return true;
    }

    /// <summary>a ⊆ b coordinatewise.</summary>
    public static bool IsSubsetOf(ReadOnlySpan<Interval> a, ReadOnlySpan<Interval> b)
    {
        if (a.Length != b.Length) throw new ArgumentException("boxes differ in dimension");
        for (int i = 0; i < a.Length; i++) if (!a[i].IsSubsetOf(b[i])) return false;
        return true;
    }

    /// <summary>a lies in the interior of b: strict inclusion in every coordinate.</summary>
    public static bool IsInteriorOf(ReadOnlySpan<Interval> a, ReadOnlySpan<Interval> b)
    {
        if (a.Length != b.Length) throw new ArgumentException("boxes differ in dimension");
        for (int i = 0; i < a.Length; i++) if (!a[i].IsInteriorOf(b[i])) return false;
        return true;
    }

    /// <summary>The boxes share at least one point.</summary>
    public static bool Overlaps(ReadOnlySpan<Interval> a, ReadOnlySpan<Interval> b)
    {
        if (a.Length != b.Length) throw new ArgumentException("boxes differ in dimension");
        for (int i = 0; i < a.Length; i++) if (!a[i].Overlaps(b[i])) return false;
        return true;
    }

    /// <summary>The boxes' interiors meet (they overlap in more than a face).</summary>
    public static bool InteriorsOverlap(ReadOnlySpan<Interval> a, ReadOnlySpan<Interval> b)
    {
        for (int i = 0; i < a.Length; i++)
            if (!(a[i].Lo < b[i].Hi && b[i].Lo < a[i].Hi)) return false;
        return true;
    }

    public static Interval[] Intersect(ReadOnlySpan<Interval> a, ReadOnlySpan<Interval> b)
    {
        if (a.Length != b.Length) throw new ArgumentException("boxes differ in dimension");
        var r = new Interval[a.Length];
        for (int i = 0; i < r.Length; i++) r[i] = Interval.Intersect(a[i], b[i]);
        return r;
    }

    public static Interval[] Hull(ReadOnlySpan<Interval> a, ReadOnlySpan<Interval> b)
    {
        if (a.Length != b.Length) throw new ArgumentException("boxes differ in dimension");
        var r = new Interval[a.Length];
        for (int i = 0; i < r.Length; i++) r[i] = Interval.Hull(a[i], b[i]);
        return r;
    }

    /// <summary>Splits coordinate <paramref name="k"/> at its midpoint.</summary>
    public static (Interval[] Left, Interval[] Right) Bisect(ReadOnlySpan<Interval> box, int k)
    {
        Interval[] left = box.ToArray(), right = box.ToArray();
        (left[k], right[k]) = box[k].Bisect();
        return (left, right);
    }

    /// <summary>
    /// The closure of a \ b as at most 2n boxes (slabs), which together with a ∩ b cover a and
    /// meet b only on its boundary. When the interiors do not overlap, a itself is returned.
    /// </summary>
    public static List<Interval[]> Subtract(ReadOnlySpan<Interval> a, ReadOnlySpan<Interval> b)
    {
        var pieces = new List<Interval[]>();
        if (!InteriorsOverlap(a, b))
        {
            pieces.Add(a.ToArray());
            return pieces;
        }
        Interval[] rest = a.ToArray();
        for (int k = 0; k < a.Length; k++)
        {
            if (rest[k].Lo < b[k].Lo)
            {
                Interval[] below = (Interval[])rest.Clone();
                below[k] = Interval.UnsafeCreate(rest[k].Lo, b[k].Lo);
                pieces.Add(below);
            }
            if (b[k].Hi < rest[k].Hi)
            {
                Interval[] above = (Interval[])rest.Clone();
                above[k] = Interval.UnsafeCreate(b[k].Hi, rest[k].Hi);
                pieces.Add(above);
            }
            rest[k] = Interval.Intersect(rest[k], b[k]);
        }
        return pieces;
    }

    /// <summary>"[a, b] × [c, d] × …" with round-trip numbers.</summary>
    public static string Format(ReadOnlySpan<Interval> box)
    {
        var parts = new string[box.Length];
        for (int i = 0; i < box.Length; i++) parts[i] = box[i].ToString();
        return string.Join(" × ", parts);
    }

    /// <summary>"(x0, x1, …)" with round-trip numbers.</summary>
    public static string FormatPoint(ReadOnlySpan<double> x)
    {
        var parts = new string[x.Length];
        for (int i = 0; i < x.Length; i++) parts[i] = x[i].ToString("R", CultureInfo.InvariantCulture);
        return "(" + string.Join(", ", parts) + ")";
    }
}
