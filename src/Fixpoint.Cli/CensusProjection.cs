using System.Globalization;

namespace Fixpoint.Cli;

/// <summary>The axes census.png is drawn on (<c>--project</c>): pca (default), pca3, coords:I,J, or the columns of a matrix in a CSV file.</summary>
/// <param name="Kind">What the option named.</param>
/// <param name="Coordinates">coords: the two coordinates, 0-based.</param>
/// <param name="Matrix">file: the N×k matrix, row-major; a point p is drawn at pᵀM.</param>
/// <param name="Columns">file: k (2 or 3).</param>
/// <param name="Source">The option's value as given.</param>
internal sealed record CensusProjection(ProjectionKind Kind, int[] Coordinates, double[] Matrix, int Columns, string Source)
{
    public const string Known = "pca, pca3, coords:I,J or FILE.csv (an N×2 or N×3 matrix)";

    public static readonly CensusProjection Pca = new(ProjectionKind.Pca, [], [], 2, "pca");

    /// <summary>Reads the option's value; a bad value throws <see cref="UsageException"/> (a bad file: ModelFormatException), before any work.</summary>
    public static CensusProjection Parse(string? text)
    {
        string v = (text ?? "pca").Trim();
        string lower = v.ToLowerInvariant();
        if (lower == "pca") return Pca;
        if (lower == "pca3") return new(ProjectionKind.Pca3, [], [], 3, v);
        if (lower.StartsWith("coords:", StringComparison.Ordinal))
        {
            string[] parts = v["coords:".Length..].Split(',');
            if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i)
                || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int j))
                throw new UsageException($"--project {v}: coords takes two 0-based coordinates, coords:I,J");
            if (i == j) throw new UsageException($"--project {v}: the two coordinates must differ");
            return new(ProjectionKind.Coordinates, [i, j], [], 2, v);
        }
        if (!lower.EndsWith(".csv", StringComparison.Ordinal) && !lower.EndsWith(".csv.gz", StringComparison.Ordinal))
            throw new UsageException($"unknown --project '{v}'; known: {Known}");
        if (!File.Exists(v)) throw new UsageException($"--project {v}: file not found");
        Fixpoint.Census.PointListStarts rows;
        try { rows = StartsFile.ReadCsv(v); }
        catch (ModelFormatException e) { throw new UsageException($"--project: {e.Message}"); } // the message names the file
        if (rows.Dimension is < 2 or > 3) throw new UsageException($"--project {v}: the matrix has {rows.Dimension} column{(rows.Dimension == 1 ? "" : "s")}; it needs 2 or 3");
        if (rows.Points.Any(x => !double.IsFinite(x))) throw new UsageException($"--project {v}: the matrix has a value that is not finite");
        return new(ProjectionKind.Matrix, [], rows.Points, rows.Dimension, v);
    }

    /// <summary>Refuses a projection that does not fit the network's dimension N (one line, exit 2), before the census runs.</summary>
    public void Check(int n)
    {
        switch (Kind)
        {
            case ProjectionKind.Pca3 when n < 3:
                throw new UsageException($"--project pca3 needs a state of dimension ≥ 3 (this one has {n})");
            case ProjectionKind.Coordinates when Coordinates.Max() >= n:
                throw new UsageException($"--project {Source}: coordinates run from 0 to {n - 1} (N = {n})");
            case ProjectionKind.Matrix when Matrix.Length / Columns != n:
                throw new UsageException($"--project {Source}: the matrix has {Matrix.Length / Columns} rows but the state has dimension {n}");
        }
    }

    /// <summary>The map from a state to its plotted coordinates, the names of those, and a note on the axes (the variance the principal axes carry).</summary>
    public ProjectionFrame Frame(CensusResult r)
    {
        int n = r.Dimension;
        switch (Kind)
        {
            case ProjectionKind.Coordinates:
                int a = Coordinates[0], b = Coordinates[1];
                return new(p => [p[a], p[b]], [Sub(a), Sub(b)], "", false);
            case ProjectionKind.Matrix:
                int k = Columns;
                double[] m = Matrix;
                string file = Path.GetFileName(Source);
                return new(p =>
                {
                    var y = new double[k];
                    for (int j = 0; j < n; j++)
                        for (int c = 0; c < k; c++) y[c] += p[j] * m[j * k + c];
                    return y;
                }, [.. Enumerable.Range(1, k).Select(c => $"column {c}")], $"the columns of {file}", false);
            case ProjectionKind.Pca3:
                PrincipalAxes axes3 = Axes(r, 3);
                return new(p => axes3.Project(p), ["PC1", "PC2", "PC3"], $"PC1–PC3 carry {axes3.Share * 100:0}% of the variance", false);
            default:
                if (n == 1) return new(p => [p[0], 0.0], ["x", ""], "", true);
                if (n == 2) return new(p => [p[0], p[1]], ["x₁", "x₂"], "", false);
                PrincipalAxes axes = Axes(r, 2);
                return new(p => axes.Project(p), ["PC1", "PC2"], $"PC1 and PC2 carry {axes.Share * 100:0}% of the variance", false);
        }
    }

    private static string Sub(int i) => $"x[{i}]";

    /// <summary>
    /// Starts that join the PCA when the fixed and cycle points span too few directions. Such a plane is only a view of
    /// the start cloud, which 1000 points show as well as more; each row costs N² in the covariance.
    /// </summary>
    public const int PlaneStarts = 1000;

    /// <summary>PCA of the fixed and cycle points (of the first <see cref="PlaneStarts"/> starts too when those span fewer than <paramref name="count"/> directions).</summary>
    private static PrincipalAxes Axes(CensusResult r, int count)
    {
        int n = r.Dimension;
        var pts = r.FixedPoints.Select(f => f.X).Concat(r.Cycles.SelectMany(c => c.Points)).ToList();
        int m = pts.Count <= count ? pts.Count + Math.Min(r.StartStatus.Length, PlaneStarts) : pts.Count;
        var rows = new double[m * n];
        for (int i = 0; i < pts.Count; i++) pts[i].CopyTo(rows, i * n);
        if (m > pts.Count) r.StartPoints.AsSpan(0, (m - pts.Count) * n).CopyTo(rows.AsSpan(pts.Count * n));
        return PrincipalComponents.LeadingAxes(rows, m, n, count);
    }
}

internal enum ProjectionKind { Pca, Pca3, Coordinates, Matrix }

/// <summary>A resolved projection: <paramref name="Map"/> sends a state to its k plotted coordinates (named <paramref name="Names"/>).</summary>
/// <param name="Jitter">N = 1: the second coordinate of a start is a jitter, so the starts do not sit on one line.</param>
internal sealed record ProjectionFrame(Func<double[], double[]> Map, string[] Names, string Note, bool Jitter)
{
    /// <summary>The panels, as pairs of coordinates: one for k = 2, the three pairs for k = 3.</summary>
    public (int X, int Y)[] Panels => Names.Length == 2 ? [(0, 1)] : [(0, 1), (0, 2), (1, 2)];
}
