using Fixpoint.Certify;
using Fixpoint.Experiments;
using Fixpoint.Maps;

namespace Fixpoint.Tests.Certify;

/// <summary>Paper A reproduction: the acceptance claim (2^d certified fixed points at m = 100) and the figure data.</summary>
public class PaperAReproductionTests
{
    private static readonly PaperAReproductionOptions NoEnumeration = new() { MaxEnumerationDimension = 0 };

    /// <summary>SPEC.md, Theorems 5.1 and 5.2: 2^d robust fixed points, one per product region, here at m = 100.</summary>
    [Theory]
    [InlineData("ke2024-poly")]
    [InlineData("ke2024-exp")]
    public void AtMHundredEveryProductRegionIsCertifiedUpToDimensionTen(string network)
    {
        for (int d = 1; d <= 10; d++)
        {
            PaperATableRow row = PaperAReproduction.TableRow(PaperACase.Named(network), d, 100, NoEnumeration);
            Assert.Equal(1 << d, row.Regions);
            Assert.Equal(1 << d, row.RegionsCertified);
            Assert.Equal(1 << d, row.DistinctLimits);
            Assert.Equal(1 << d, row.LimitsInOwnRegion);
            Assert.True(row.MaxCertifiedK < 1);
            Assert.Null(row.ProvenCount);
        }
    }

    [Fact]
    public void RowWithEnumerationProvesTheTotalCount()
    {
        PaperATableRow row = PaperAReproduction.TableRow(PaperACase.Poly, 2, 100);
        Assert.Equal(16, row.ProvenCount);
        Assert.Equal(4, row.ProvenStable);
        Assert.Equal(4, row.LiteralHolds);
        Assert.Equal(0, row.EnumerationUndecided);
        PaperATableRow weak = PaperAReproduction.TableRow(PaperACase.Exp, 2, 5);
        Assert.Equal(12, weak.ProvenCount); // strong coupling merges fixed points
    }

    [Fact]
    public void FigureOneHasTheScalarFixedPoints()
    {
        PaperAFigure1Series poly = PaperAReproduction.Figure1(PaperACase.Poly, 101);
        Assert.Equal(101, poly.X.Length);
        Assert.Equal(-1.5, poly.X[0]);
        Assert.Equal(1.5, poly.X[^1]);
        // SPEC: stable 0 and 1.4028014, unstable 0.8066 and −2.2094
        Assert.Equal(4, poly.FixedPoints.Length);
        Assert.Equal(-2.2094, poly.FixedPoints[0], 4);
        Assert.Equal(0.0, poly.FixedPoints[1], 10);
        Assert.Equal(0.8066, poly.FixedPoints[2], 4);
        Assert.Equal(1.4028014, poly.FixedPoints[3], 7);
        Assert.Equal([false, true, false, true], poly.Stable);
        PaperAFigure1Series exp = PaperAReproduction.Figure1(PaperACase.Exp, 51);
        // with C = −2.15 exactly (κ ≈ −2.3e-4) the fixed points are −0.9104098, −0.5793254, −0.0002279, 2.2350660
        Assert.Equal([-0.9104098, -0.5793254, -0.0002279, 2.2350660], exp.FixedPoints.Select(x => Math.Round(x, 7)));
        Assert.Equal([true, false, true, false], exp.Stable);
    }

    [Fact]
    public void FigureTwoGridAndCuts()
    {
        PaperAFigure2Data f = PaperAReproduction.Figure2(100, 31, 61);
        Assert.Equal(31, f.X1.Length);
        Assert.Equal(61, f.X2.Length);
        Assert.Equal(61, f.G1.Length);
        Assert.Equal(31, f.G1[0].Length);
        Assert.Equal(f.F1[7][3] - f.X1[3], f.G1[7][3]);
        Assert.Equal(12, f.FixedPoints.Count); // x1 ∈ {0, 0.8066, 1.4028} × x2 ∈ {−2.2094, 0, 0.8066, 1.4028}
    }

    [Fact]
    public void RunComputesEverythingWithSmallOptions()
    {
        var o = new PaperAReproductionOptions { MaxDimension = 2, Ms = [100], MaxEnumerationDimension = 1, Fig1Points = 11, Fig2Points1 = 5, Fig2Points2 = 5, Fig3Ms = [100], Fig3Steps = 5 };
        PaperAReproductionResult r = PaperAReproduction.Run(o);
        Assert.False(r.Cancelled);
        Assert.Equal(4, r.Table.Count);
        Assert.All(r.Table, row => Assert.False(double.IsNaN(row.DiagonalReadingMinM)));
        Assert.Equal(2, r.Figure1.Count);
        Assert.NotNull(r.Figure2);
        Assert.Single(r.Figure3);
        string md = r.TableMarkdown();
        Assert.Contains("| ke2024-poly | 2 | 100 |", md);
    }

    [Fact]
    public void CancelledRunReturnsWhatItHas()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        PaperAReproductionResult r = PaperAReproduction.Run(new PaperAReproductionOptions { MaxDimension = 2 }, null, cts.Token);
        Assert.True(r.Cancelled);
        Assert.Empty(r.Figure1);
    }

    [Fact]
    public void CasesAreFoundByNameOnly()
    {
        Assert.Equal(["ke2024-poly", "ke2024-exp"], PaperACase.Names);
        Assert.Same(PaperACase.Poly, PaperACase.Named("ke2024-poly"));
        Assert.Same(PaperACase.Exp, PaperACase.Find("ke2024-exp"));
        // Activation specs know no paper names: the case's activation is a plain polynomial spec.
        Assert.Throws<FormatException>(() => Activation.Parse("ke2024-poly"));
        Assert.Equal(PaperACase.Poly.Activation, Activation.Parse(PaperACase.Poly.Activation.Name));
        foreach (PaperACase c in PaperACase.All)
            for (int r = 0; r < 2; r++) Assert.True(c.Regions[r].Contains(c.RegionFixedPoints[r]), $"{c.Name} region {r}");
        Assert.Equal([1.4028, 0.0], PaperACase.Poly.RegionFixedPoint(2, 0b10));
        Assert.Equal("(1.4028, 0)", PaperACase.Poly.RegionFixedPointText(2, 0b10));
    }

    [Fact]
    public void OptionsAreValidated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PaperAReproductionOptions { Cases = [] });
        Assert.Throws<ArgumentOutOfRangeException>(() => new PaperAReproductionOptions { Cases = [PaperACase.Poly, PaperACase.Poly] });
        Assert.Throws<ArgumentOutOfRangeException>(() => new PaperAReproductionOptions { Ms = [0] });
        Assert.Throws<ArgumentOutOfRangeException>(() => new PaperAReproductionOptions { MaxDimension = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new PaperAReproductionOptions { Fig3Start = [1.0] });
        Assert.Throws<ArgumentException>(() => PaperACase.Named("nope"));
        Assert.Null(PaperACase.Find("nope"));
    }
}
