using Fixpoint.Census;
using Fixpoint.Numerics;

namespace Fixpoint.Tests;

/// <summary>The de-duplication index gives exactly the linear scan's assignment.</summary>
public class PointClustersTests
{
    /// <summary>The census's former de-duplication, kept as the reference: the first cluster whose anchor is within tol.</summary>
    private static int[] LinearScan(IReadOnlyList<double[]> points, double tol)
    {
        var anchors = new List<double[]>();
        var assignment = new int[points.Count];
        for (int i = 0; i < points.Count; i++)
        {
            int c = -1;
            for (int k = 0; k < anchors.Count && c < 0; k++)
                if (DenseLinearAlgebra.MaxAbsDiff(anchors[k], points[i]) <= tol) c = k;
            if (c < 0) { anchors.Add(points[i]); c = anchors.Count - 1; }
            assignment[i] = c;
        }
        return assignment;
    }

    private static int[] Indexed(IReadOnlyList<double[]> points, int n, double tol)
    {
        var index = new PointClusters(n, tol);
        var assignment = new int[points.Count];
        for (int i = 0; i < points.Count; i++)
        {
            int c = index.Find(points[i]);
            assignment[i] = c >= 0 ? c : index.Add(points[i]);
        }
        return assignment;
    }

    /// <summary>Clouds built to hit the boundary: centres, points exactly tol away in some coordinates (sums of tol-multiples), duplicates, and chains of near points.</summary>
    public static TheoryData<int, double, ulong> Clouds => new()
    {
        { 1, 1e-6, 1 }, { 2, 1e-6, 2 }, { 3, 0.25, 3 }, { 7, 1e-3, 4 }, { 64, 1e-6, 5 }, { 2, 0.5, 6 }, { 16, 1.0, 7 }, { 5, 3e-7, 8 },
    };

    [Theory]
    [MemberData(nameof(Clouds))]
    public void RandomCloudsGetTheLinearScansAssignment(int n, double tol, ulong seed)
    {
        var rng = new Rng(seed);
        var points = new List<double[]>();
        var centres = new List<double[]>();
        for (int c = 0; c < 40; c++)
        {
            var x = new double[n];
            for (int j = 0; j < n; j++) x[j] = Math.Round(rng.Uniform(-4, 4) / tol) * tol * (rng.NextDouble() < 0.5 ? 1 : 1 + 1e-16);
            centres.Add(x);
        }
        for (int i = 0; i < 3000; i++)
        {
            double[] centre = centres[(int)(rng.NextUInt64() % (ulong)centres.Count)];
            var x = (double[])centre.Clone();
            switch (rng.NextUInt64() % 6)
            {
                case 0: break; // an exact duplicate
                case 1: // exactly ±tol (or one ulp either side) in some coordinates
                    for (int j = 0; j < n; j++)
                        if (rng.NextDouble() < 0.5)
                        {
                            double t = x[j] + (rng.NextDouble() < 0.5 ? tol : -tol);
                            x[j] = (rng.NextUInt64() % 3) switch { 0 => t, 1 => Math.BitIncrement(t), _ => Math.BitDecrement(t) };
                        }
                    break;
                case 2: // within tol/2: joins the cluster
                    for (int j = 0; j < n; j++) x[j] += rng.Uniform(-0.5, 0.5) * tol;
                    break;
                case 3: // a chain: within 1.5 tol, so near two clusters at once
                    for (int j = 0; j < n; j++) x[j] += rng.Uniform(-1.5, 1.5) * tol;
                    break;
                case 4: // a few tol away: a new point near others
                    for (int j = 0; j < n; j++) x[j] += rng.Uniform(-4, 4) * tol;
                    break;
                default: // a far point, sometimes huge
                    for (int j = 0; j < n; j++) x[j] = rng.Uniform(-4, 4) * (rng.NextDouble() < 0.02 ? 1e12 : 1);
                    break;
            }
            points.Add(x);
        }
        int[] expected = LinearScan(points, tol);
        Assert.True(expected.Distinct().Count() > 40, "the cloud should have many clusters");
        Assert.Equal(expected, Indexed(points, n, tol));
    }

    [Fact]
    public void PointsExactlyTolApartJoinAndOneUlpFurtherDoNot()
    {
        const double tol = 0.5;
        var index = new PointClusters(2, tol);
        Assert.Equal(0, index.Add([1.0, 2.0]));
        Assert.Equal(0, index.Find([1.5, 1.5])); // exactly tol in both
        Assert.Equal(-1, index.Find([Math.BitIncrement(1.5), 2.0]));
        Assert.Equal(1, index.Add([2.0, 2.0]));
        Assert.Equal(0, index.Find([1.5, 2.0])); // within tol of both: the first wins
        Assert.Equal(1, index.Find([2.25, 2.0]));
    }

    [Fact]
    public void NonFinitePointsMatchNothingAsInTheScan()
    {
        var index = new PointClusters(2, 1e-6);
        index.Add([double.NaN, 0]);
        index.Add([double.PositiveInfinity, 0]);
        index.Add([0, 0]);
        Assert.Equal(-1, index.Find([double.NaN, 0]));
        Assert.Equal(-1, index.Find([double.PositiveInfinity, 0]));
        Assert.Equal(2, index.Find([0, 1e-7]));
        List<double[]> points = [[double.NaN, 0], [double.NaN, 0], [double.PositiveInfinity, 0], [double.PositiveInfinity, 0], [0, 0], [1e308, -1e308], [-1e308, 1e308], [0, 0]];
        Assert.Equal(LinearScan(points, 1e-6), Indexed(points, 2, 1e-6));
    }

    [Fact]
    public void AReplacedRepresentativeIsFoundWhereItNowIs()
    {
        var index = new PointClusters(3, 1e-3);
        index.Add([0, 0, 0]);
        index.Add([1, 1, 1]);
        index.Replace(0, [2, 2, 2]);
        Assert.Equal(-1, index.Find([0, 0, 0]));
        Assert.Equal(0, index.Find([2, 2, 2.0005]));
        index.Replace(1, [2, 2, 2.0009]);
        Assert.Equal(0, index.Find([2, 2, 2.0005])); // both match: the lower number
        Assert.Equal(1, index.Find([2, 2, 2.0019]));
    }

    [Fact]
    public void TenThousandDistinctPointsAreIndexed()
    {
        const int n = 32, count = 10_000;
        var rng = new Rng(99);
        var index = new PointClusters(n, 1e-6);
        var points = new double[count][];
        for (int i = 0; i < count; i++)
        {
            points[i] = new double[n];
            for (int j = 0; j < n; j++) points[i][j] = rng.Uniform(-1, 1);
            Assert.Equal(-1, index.Find(points[i]));
            Assert.Equal(i, index.Add(points[i]));
        }
        for (int i = 0; i < count; i += 7)
        {
            var near = (double[])points[i].Clone();
            near[i % n] += 5e-7;
            Assert.Equal(i, index.Find(near));
        }
        Assert.Equal(count, index.Count);
    }
}
