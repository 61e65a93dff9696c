using Fixpoint.Certify;
using Fixpoint.Experiments;
using Fixpoint.Maps;

namespace Fixpoint.Tests.Certify;

/// <summary>Region certificates (paper A, Lemma 3.4 / Theorem 4.1) on the regions of SPEC.md.</summary>
public class RegionCertificateTests
{
    /// <summary>SPEC.md, paper A: D1, D2 per case study, with the paper's K (0.92 polynomial, 0.85 exponential) and max |f′| on D.</summary>
    [Theory]
    [InlineData("ke2024-poly", 1.302, 1.502, 0.92, 0.9156288128, 1.4028014)]
    [InlineData("ke2024-poly", -0.3, 0.3, 0.92, 0.8568, 0.0)]
    [InlineData("ke2024-exp", -0.1, 0.1, 0.85, 0.4209682390910446, -0.000228)]
    [InlineData("ke2024-exp", -1.01, -0.81, 0.85, 0.8239748161156396, -0.9104098)]
    public void PaperRegionsAreCertified(string name, double lo, double hi, double paperK, double maxSlope, double fixedPoint)
    {
        Network net = PaperACase.Named(name).Create(1, 1.0);
        Interval[] d = [new Interval(lo, hi)];
        RegionCertificateResult r = RegionCertificate.Check(net, d, new RegionCertificateOptions { Layers = 10 });
        Assert.Equal(RegionStatus.Certified, r.Status);
        Assert.Empty(r.Violations);
        Assert.Null(r.Failure);
        Assert.InRange(r.K, maxSlope, maxSlope + 1e-9);
        Assert.True(r.Image[0].IsSubsetOf(d[0]));
        // the unique fixed point p = F(p) lies in the image enclosure
        KrawczykResult p = Krawczyk.Certify(net, [fixedPoint]);
        Assert.Equal(CertificateStatus.Unique, p.Status);
        Assert.True(p.Enclosure![0].Overlaps(r.Image[0]) && d[0].Contains(p.Center[0]));
        Assert.Equal(hi - lo, r.Diameter, 12);
        Assert.Equal(Math.Pow(r.K, 10) * r.Diameter / (1 - r.K), r.APrioriBound, 9);

        RegionCertificateResult withPaperK = RegionCertificate.Check(net, d, new RegionCertificateOptions { ContractionBound = paperK });
        Assert.True(withPaperK.Certified);
        Assert.Equal(paperK, withPaperK.K);

        LiteralTheorem41Result lit = RegionCertificate.LiteralTheorem41(net, d, paperK);
        Assert.True(lit.Holds);
        Assert.True(lit.HoldsInDiagonalReading);
        Assert.InRange(lit.RowBounds[0], maxSlope, maxSlope + 1e-9);
    }

    [Fact]
    public void RegionAroundTheUnstablePointFailsOnContraction()
    {
        Network net = PaperACase.Poly.Create(1, 1.0);
        RegionCertificateResult r = RegionCertificate.Check(net, [new Interval(0.75, 0.85)]);
        Assert.Equal(RegionStatus.Failed, r.Status);
        Assert.Contains(r.Violations, v => v.Condition == RegionCondition.Contraction && v.Index == 0 && v.Excess > 0.4);
        Assert.True(double.IsNaN(r.APrioriBound));
    }

    [Fact]
    public void RegionThatIsNotMappedIntoItselfNamesTheCoordinateAndTheExcess()
    {
        // f(1.35) = −0.4·1.35⁴ + 1.5·1.35² ≈ 1.405, which sticks out of [1.302, 1.35] by ≈ 0.055
        Network net = PaperACase.Poly.Create(1, 1.0);
        RegionCertificateResult r = RegionCertificate.Check(net, [new Interval(1.302, 1.35)]);
        Assert.Equal(RegionStatus.Failed, r.Status);
        RegionViolation v = Assert.Single(r.Violations);
        Assert.Equal(RegionCondition.Inclusion, v.Condition);
        Assert.Equal(0, v.Index);
        double f135 = -0.4 * Math.Pow(1.35, 4) + 1.5 * 1.35 * 1.35;
        Assert.Equal(f135 - 1.35, v.Excess, 9);
        Assert.Contains("inclusion fails in coordinate 0", v.ToString());
    }

    [Fact]
    public void ContractionBelowTheRequestedKFailsWithTheExcess()
    {
        Network net = PaperACase.Poly.Create(1, 1.0);
        RegionCertificateResult r = RegionCertificate.Check(net, [new Interval(1.302, 1.502)], new RegionCertificateOptions { ContractionBound = 0.5 });
        RegionViolation v = Assert.Single(r.Violations);
        Assert.Equal(RegionCondition.Contraction, v.Condition);
        Assert.Equal(0.9156288128 - 0.5, v.Excess, 8);
        Assert.Equal(v, r.Failure);
    }

    [Fact]
    public void CoupledProductRegionsAtLargeMAreCertifiedAndSmallMNamesTheFailure()
    {
        Network net = PaperACase.Poly.Create(2, 100);
        for (int b = 0; b < 4; b++)
            Assert.True(RegionCertificate.Check(net, PaperACase.Poly.ProductRegion(2, b)).Certified, $"region {b}");
        // m = 5: coordinate 1 in D1 is pushed up by x0/m² ≈ 0.06, and the slope there exceeds 0.92
        Network weak = PaperACase.Poly.Create(2, 5);
        LiteralTheorem41Result lit = RegionCertificate.LiteralTheorem41(weak, PaperACase.Poly.ProductRegion(2, 0), 0.92);
        Assert.False(lit.Holds);
        Assert.Contains(lit.Violations, v => v.Condition == RegionCondition.Contraction);
        Assert.True(lit.PreActivation[0].Hi > 1.502 + PaperACase.Poly.Shift);
    }

    /// <summary>
    /// SPEC.md: "Literal Thm 4.1 for the coupled W needs max|f′|·(1 + (d−1)/m²) ≤ K: for the polynomial case with
    /// K = 0.92 that is m ≥ ≈14.5 (d = 2), 20.5 (d = 3), 25.1 (d = 4), 43.4 (d = 10)". This is the diagonal reading.
    /// </summary>
    [Theory]
    [InlineData(2, 14.5)]
    [InlineData(3, 20.5)]
    [InlineData(4, 25.1)]
    [InlineData(10, 43.4)]
    public void DiagonalReadingReproducesTheQuotedThresholds(int d, double quoted)
    {
        double m = PaperAReproduction.MinimalM(PaperACase.Poly, d, 0.92, diagonalReading: true);
        Assert.InRange(m, quoted - 0.1, quoted + 0.1);
    }

    [Fact]
    public void RigorousLiteralConditionNeedsALargerM()
    {
        // with the true pre-activation range the coupling shift raises |g′| on D1: m ≈ 53.9 for d = 2
        double m = PaperAReproduction.MinimalM(PaperACase.Poly, 2, 0.92, diagonalReading: false);
        Assert.InRange(m, 50, 60);
    }

    [Fact]
    public void BadInputIsRejected()
    {
        Network net = PaperACase.Poly.Create(2, 100);
        Assert.Throws<ArgumentException>(() => RegionCertificate.Check(net, [new Interval(0, 1)]));
        Assert.Throws<ArgumentException>(() => RegionCertificate.Check(net, [new Interval(0, 1), Interval.Entire]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RegionCertificateOptions { ContractionBound = 1.0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => RegionCertificate.LiteralTheorem41(net, IntervalVector.Cube(2, 0, 1), 1.5));
        Network twoLayers = new([new DenseLayer(2, 2, [1, 0, 0, 1], [0, 0]), new DenseLayer(2, 2, [1, 0, 0, 1], [0, 0])], new TanhActivation());
        Assert.Throws<ArgumentException>(() => RegionCertificate.LiteralTheorem41(twoLayers, IntervalVector.Cube(2, 0, 1), 0.5));
    }
}
