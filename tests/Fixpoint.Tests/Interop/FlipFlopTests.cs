using System.Globalization;
using System.Text.Json;
using Fixpoint.Census;
using Fixpoint.IO;

namespace Fixpoint.Tests.Interop;

/// <summary>
/// Issue 14: the GRU trained on the 3-bit flip-flop task (Fixtures/torch/train_flipflop.py), read from its torch.save
/// state dict with the input held, against torch's own float64 Newton fixed points (flipflop_reference.json).
/// </summary>
public class FlipFlopTests
{
    private static string Torch(string name) => Fixtures.Path(Path.Combine("torch", name));

    private sealed record Reference(string Condition, double[] U, double[][] X, double[] Rho, bool[] Stable);

    private static List<Reference> GruReferences()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Torch("flipflop_reference.json")));
        static double[] Row(JsonElement a) => a.EnumerateArray().Select(v => v.GetDouble()).ToArray();
        return doc.RootElement.GetProperty("gru").EnumerateArray().Select(c =>
        {
            var fps = c.GetProperty("fixedPoints").EnumerateArray().ToList();
            return new Reference(c.GetProperty("condition").GetString()!, Row(c.GetProperty("u")),
                fps.Select(f => Row(f.GetProperty("x"))).ToArray(), fps.Select(f => f.GetProperty("rho").GetDouble()).ToArray(),
                fps.Select(f => f.GetProperty("stable").GetBoolean()).ToArray());
        }).ToList();
    }

    /// <summary>
    /// Starts near every reference point (a 1e-3 offset, so Newton has to work) and 64 uniform in [−1, 1]^16:
    /// Newton from each, so that the census sees saddles as well as attractors.
    /// </summary>
    private static string StartsFile(Reference r)
    {
        var rng = new Numerics.Rng(14);
        var rows = new List<double[]>();
        foreach (double[] x in r.X) rows.Add(x.Select(v => v + 1e-3 * (rng.NextDouble() - 0.5)).ToArray());
        for (int k = 0; k < 64; k++) rows.Add(Enumerable.Range(0, 16).Select(_ => rng.Uniform(-1, 1)).ToArray());
        string path = Path.Combine(CliRunner.TempDir(), "starts.csv");
        File.WriteAllLines(path, rows.Select(x => string.Join(",", x.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))));
        return path;
    }

    private static CensusFile Run(Reference r)
    {
        string dir = CliRunner.TempDir();
        var run = CliRunner.Invoke("census", "--model", Torch("flipflop_gru.pt"), "--hold", "input=" + string.Join(",", r.U.Select(v => v.ToString("R", CultureInfo.InvariantCulture))),
            "--solver", "newton", "--starts-file", StartsFile(r), "--no-plot", "--out", dir);
        Assert.True(run.ExitCode == 0, run.Err);
        Assert.Contains("module prefix 'rnn.' stripped", run.Err);
        return CensusFile.Read(Path.Combine(dir, "census.json"));
    }

    private static void AssertMatches(Reference r, CensusFile c)
    {
        Assert.Equal("exact", c.Jacobian);
        Assert.Equal(["readout.bias", "readout.weight"], c.Model!.IgnoredTensors);
        Assert.Equal(r.U, Assert.Single(c.Model.HeldInputs).Values);
        for (int k = 0; k < r.X.Length; k++)
        {
            var near = c.FixedPoints.MinBy(f => Distance(f.X, r.X[k]))!;
            Assert.True(Distance(near.X, r.X[k]) <= 1e-9, $"u = {r.Condition}: reference point {k} is {Distance(near.X, r.X[k]):g} from the nearest found");
            Assert.True(Math.Abs(near.SpectralRadius - r.Rho[k]) <= 1e-8, $"u = {r.Condition}: point {k} ρ {near.SpectralRadius} vs torch {r.Rho[k]}");
            Assert.Equal(r.Stable[k], near.Stability == Stability.Stable);
        }
    }

    private static double Distance(double[] a, double[] b) => a.Zip(b, (p, q) => Math.Abs(p - q)).Max();

    [Fact]
    public void WithTheInputHeldAtZeroThereAreExactlyEightAttractorsAndTheSaddles()
    {
        Reference zero = GruReferences().Single(r => r.Condition == "zero");
        Assert.Equal(8, zero.Stable.Count(s => s));
        Assert.True(zero.X.Length > 8, "the reference has saddles");
        CensusFile c = Run(zero);
        Assert.Equal(8, c.FixedPoints.Count(f => f.Stability == Stability.Stable));
        Assert.True(c.FixedPoints.Count(f => f.Stability == Stability.Unstable) >= zero.Stable.Count(s => !s));
        AssertMatches(zero, c);
    }

    [Fact]
    public void EveryPulseConditionMatchesTorch()
    {
        foreach (Reference r in GruReferences().Where(r => r.Condition != "zero")) AssertMatches(r, Run(r));
    }

    /// <summary>The float32 ONNX exports with u = 0 folded in, through ONNX Runtime: no cycles made of rounding, no attractor twice.</summary>
    [Theory]
    [InlineData("flipflop_gru_u0_f32.onnx", "gru")]
    [InlineData("flipflop_rnn_u0_f32.onnx", "rnn")]
    public void Float32ExportsHaveNoSpuriousCyclesOrDuplicateAttractors(string file, string which)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Torch("flipflop_reference.json")));
        JsonElement fps = which == "gru"
            ? doc.RootElement.GetProperty("gru").EnumerateArray().First(c => c.GetProperty("condition").GetString() == "zero").GetProperty("fixedPoints")
            : doc.RootElement.GetProperty("rnn").GetProperty("fixedPoints");
        int stable = fps.EnumerateArray().Count(f => f.GetProperty("stable").GetBoolean());
        string dir = CliRunner.TempDir();
        var run = CliRunner.Invoke("census", "--model", Torch(file), "--starts", "300", "--max-iter", "10000", "--no-plot", "--out", dir);
        Assert.True(run.ExitCode == 0, run.Err);
        CensusFile c = CensusFile.Read(Path.Combine(dir, "census.json"));
        Assert.Empty(c.Cycles);
        var attractors = c.FixedPoints.Where(f => f.Stability == Stability.Stable).ToList();
        Assert.True(attractors.Count <= stable, $"{attractors.Count} attractors, torch has {stable}");
        for (int i = 0; i < attractors.Count; i++)
            for (int j = i + 1; j < attractors.Count; j++)
                Assert.True(Distance(attractors[i].X, attractors[j].X) > 1e-2, $"attractors {i} and {j} are {Distance(attractors[i].X, attractors[j].X):g} apart");
    }
}
