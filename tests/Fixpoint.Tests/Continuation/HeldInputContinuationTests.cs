using System.Globalization;
using System.Text.Json;

namespace Fixpoint.Tests.Continuation;

/// <summary>
/// Continuation in a held input of the flip-flop GRU (Fixtures/torch): from u = 0 to the pulse u = e₀, the attractors
/// that survive must be torch's own stable fixed points at u = e₀ (flipflop_reference.json).
/// </summary>
public sealed class HeldInputContinuationTests
{
    private static string Torch(string name) => Interop.Fixtures.Path(Path.Combine("torch", name));

    [Fact]
    public void AttractorsThatSurviveTheFullPulseAreTorchsStablePointsThere()
    {
        string dir = CliRunner.TempDir();
        CliRunner.Run run = CliRunner.Invoke("continue", "--model", Torch("flipflop_gru.pt"), "--hold", "input=0,0,0", "--param", "hold:input[0]",
            "--from", "0", "--to", "1", "--starts", "200", "--no-plot", "--out", dir);
        Assert.True(run.ExitCode == 0, run.Err);
        var atEnd = File.ReadAllLines(Path.Combine(dir, "branches.csv")).Skip(1).Select(l => l.Split(','))
            .Where(c => c[1] == "1").Select(c => (X: new[] { D(c[3]), D(c[4]), D(c[5]) }, Stable: c[^1] == "stable")).ToList();
        using var doc = JsonDocument.Parse(File.ReadAllText(Torch("flipflop_reference.json")));
        JsonElement pulse = doc.RootElement.GetProperty("gru").EnumerateArray().Single(c => c.GetProperty("condition").GetString() == "+e0");
        var reference = pulse.GetProperty("fixedPoints").EnumerateArray()
            .Select(f => (X: f.GetProperty("x").EnumerateArray().Take(3).Select(v => v.GetDouble()).ToArray(), Stable: f.GetProperty("stable").GetBoolean())).ToList();
        var stable = atEnd.Where(e => e.Stable).ToList();
        Assert.Equal(reference.Count(r => r.Stable), stable.Count);
        foreach (var e in atEnd)
            Assert.Contains(reference, r => r.Stable == e.Stable && r.X.Zip(e.X).All(p => Math.Abs(p.First - p.Second) <= 1e-8));
        // Every other attractor at u = 0 ends in a fold on the way (an attractor meets a saddle and both vanish).
        using var bif = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "bifurcations.json")));
        Assert.Contains(bif.RootElement.GetProperty("bifurcations").EnumerateArray(), b => b.GetProperty("type").GetString() == "fold");
    }

    private static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);
}
