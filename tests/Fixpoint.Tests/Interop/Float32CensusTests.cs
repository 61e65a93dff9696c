using Fixpoint.Census;
using Fixpoint.IO;

namespace Fixpoint.Tests.Interop;

/// <summary>
/// Issue 14: a float32 map's census follows its precision: orbits narrower than the rounding floor are fixed points,
/// a cycle that repeats within the de-duplication radius has its shortest period, and float32 exports of trained
/// RNN/GRU flip-flops show no spurious cycles and no duplicate attractors.
/// </summary>
public class Float32CensusTests
{
    private static CensusFile Census(params string[] args)
    {
        string dir = CliRunner.TempDir();
        var run = CliRunner.Invoke([.. args, "--no-plot", "--out", dir]);
        Assert.True(run.ExitCode == 0, run.Err);
        return CensusFile.Read(Path.Combine(dir, "census.json"));
    }

    /// <summary>Before: a spurious 4-cycle (1 hit) beside the 2-cycle, the same orbit within float32 rounding.</summary>
    [Fact]
    public void TorchSequentialOnnxHasOneTwoCycleAndNoSpuriousFourCycle()
    {
        CensusFile c = Census("census", "--model", Fixtures.Path("torch_sequential.onnx"));
        Assert.Equal(0, c.DistinctFixedPoints);
        CycleInfo cycle = Assert.Single(c.Cycles);
        Assert.Equal(2, cycle.Period);
        Assert.Equal(c.Starts, cycle.Hits);
        Assert.Equal("native", c.Evaluator); // the float32 graph widened exactly, so no rounding floor to hide a 4-cycle
        Assert.Equal("exact", c.Jacobian);
    }
}
