using Fixpoint.Applications;
using Fixpoint.Numerics;

namespace Fixpoint.Tests.Applications;

public class DamageTests
{
    [Theory]
    [InlineData(0.1)]
    [InlineData(0.4)]
    public void SaltAndPepperHitsAboutPOfThePixelsHalfEachWay(double p)
    {
        const int w = 100, h = 100;
        var clean = new double[w * h];
        var damaged = new double[w * h];
        new Damage(DamageKind.SaltPepper, p).Apply(clean, damaged, w, h, new Rng(1));
        int salt = damaged.Count(v => v == 1.0), pepper = damaged.Count(v => v == -1.0), kept = damaged.Count(v => v == 0.0);
        Assert.Equal(w * h, salt + pepper + kept);
        double rate = (salt + pepper) / (double)(w * h), sd = Math.Sqrt(p * (1 - p) / (w * h));
        Assert.InRange(rate, p - 4 * sd, p + 4 * sd);
        Assert.InRange(salt / (double)(salt + pepper), 0.45, 0.55);
    }

    [Fact]
    public void GaussianNoiseHasTheRequestedSpreadAndIsClipped()
    {
        var clean = new double[20000];
        var damaged = new double[clean.Length];
        new Damage(DamageKind.Noise, 0.1).Apply(clean, damaged, 200, 100, new Rng(2));
        double sd = Math.Sqrt(damaged.Average(v => v * v));
        Assert.InRange(sd, 0.097, 0.103);
        new Damage(DamageKind.Noise, 5).Apply(clean, damaged, 200, 100, new Rng(2));
        Assert.All(damaged, v => Assert.InRange(v, -1.0, 1.0));
    }

    [Fact]
    public void BlockErasesOneKByKSquareInsideTheImageAndReachesEveryPlacement()
    {
        const int w = 8, h = 8, k = 3;
        var clean = Enumerable.Repeat(0.5, w * h).ToArray();
        var damaged = new double[w * h];
        var rng = new Rng(3);
        var corners = new HashSet<(int, int)>();
        for (int trial = 0; trial < 2000; trial++)
        {
            new Damage(DamageKind.Block, k).Apply(clean, damaged, w, h, rng);
            var erased = Enumerable.Range(0, w * h).Where(i => damaged[i] == Damage.Erased).ToArray();
            Assert.Equal(k * k, erased.Length);
            int top = erased.Min(i => i / w), left = erased.Min(i => i % w);
            Assert.All(erased, i => { Assert.InRange(i / w - top, 0, k - 1); Assert.InRange(i % w - left, 0, k - 1); });
            Assert.InRange(top + k, k, h);
            Assert.InRange(left + k, k, w);
            corners.Add((top, left));
        }
        Assert.Equal((h - k + 1) * (w - k + 1), corners.Count);
    }

    [Fact]
    public void MissingRowsEraseExactlyRWholeDistinctRows()
    {
        const int w = 8, h = 8;
        var clean = Enumerable.Repeat(0.25, w * h).ToArray();
        var damaged = new double[w * h];
        var rng = new Rng(4);
        for (int trial = 0; trial < 200; trial++)
        {
            new Damage(DamageKind.Rows, 3).Apply(clean, damaged, w, h, rng);
            var rows = Enumerable.Range(0, h).Where(r => Enumerable.Range(0, w).All(c => damaged[r * w + c] == Damage.Erased)).ToArray();
            Assert.Equal(3, rows.Length);
            Assert.Equal(3 * w, damaged.Count(v => v == Damage.Erased));
        }
    }

    [Fact]
    public void DamageIsAPureFunctionOfTheStream()
    {
        var clean = Enumerable.Range(0, 64).Select(i => i / 32.0 - 1).ToArray();
        foreach (Damage d in Damage.Defaults)
        {
            var a = new double[64];
            var b = new double[64];
            d.Apply(clean, a, 8, 8, Rng.Derive(5, 1));
            d.Apply(clean, b, 8, 8, Rng.Derive(5, 1));
            Assert.Equal(a, b);
        }
    }

    [Fact]
    public void ParseReadsEveryKindAndRefusesBadLevels()
    {
        Assert.Equal(new Damage(DamageKind.Noise, 0.5), Damage.Parse("noise:0.5"));
        Assert.Equal(new Damage(DamageKind.SaltPepper, 0.2), Damage.Parse("saltpepper:0.2"));
        Assert.Equal(new Damage(DamageKind.Block, 3), Damage.Parse("block:3"));
        Assert.Equal(new Damage(DamageKind.Rows, 2), Damage.Parse("rows:2"));
        foreach (Damage d in Damage.Defaults) Assert.Equal(d, Damage.Parse(d.Key));
        Assert.Throws<FormatException>(() => Damage.Parse("saltpepper:1.5"));
        Assert.Throws<FormatException>(() => Damage.Parse("block:2.5"));
        Assert.Throws<FormatException>(() => Damage.Parse("noise:-1"));
        Assert.Throws<FormatException>(() => Damage.Parse("smudge:1"));
        Assert.Throws<FormatException>(() => Damage.Parse("noise"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Damage(DamageKind.Block, 9).Apply(new double[64], new double[64], 8, 8, new Rng(1)));
    }
}
