using Fixpoint.Solvers;

namespace Fixpoint.Tests.Kernels;

/// <summary>Issue 4: the batch driver's chunks bound the solvers' working set whatever the number of starts.</summary>
public class ChunkingTests
{
    [Theory]
    [InlineData(100_000, 2, 256)]
    [InlineData(100_000, 64, 256)]
    [InlineData(4096, 2, 16)]
    [InlineData(10, 1, 4096)]
    [InlineData(1_000_000, 16, 100_000)]
    public void ChunksStayWithinTheirBounds(int count, int threads, int n)
    {
        int chunk = IterationDriver.ChunkSize(count, threads, n);
        Assert.InRange(chunk, 16, IterationDriver.MaxChunk);
        Assert.True(chunk <= 16 || (long)chunk * n <= IterationDriver.MaxChunkNumbers, $"chunk {chunk} × N {n}");
    }

    /// <summary>
    /// Anderson (m = 5) keeps 5 + 2m rows of N per start: at N = 256 a chunk is a few MiB whatever the
    /// count, so 100 000 starts need their start array and results plus threads × a few MiB.
    /// </summary>
    [Fact]
    public void AndersonWorkingSetPerThreadAtN256()
    {
        int perStart = (5 + 2 * 5) * 256 + 25 + 4;
        foreach (int threads in new[] { 1, 2, 16 })
        {
            int chunk = IterationDriver.ChunkSize(100_000, threads, 256, perStart);
            long bytes = (long)chunk * perStart * sizeof(double);
            Assert.True(bytes <= 4L << 20, $"{bytes} bytes per chunk with {threads} threads");
            Assert.True(chunk >= IterationDriver.MinCachedChunk, $"chunk {chunk}");
        }
    }
}
