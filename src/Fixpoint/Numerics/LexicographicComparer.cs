namespace Fixpoint.Numerics;

/// <summary>Orders points by their first coordinate, then the second, and so on; a shorter prefix comes first, null before all.</summary>
public sealed class LexicographicComparer : IComparer<double[]>
{
    public static readonly LexicographicComparer Instance = new();

    public int Compare(double[]? a, double[]? b)
    {
        if (a is null || b is null) return (a is null ? 0 : 1) - (b is null ? 0 : 1);
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            int c = a[i].CompareTo(b[i]);
            if (c != 0) return c;
        }
        return a.Length.CompareTo(b.Length);
    }
}
