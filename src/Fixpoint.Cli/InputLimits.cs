using System.CommandLine.Parsing;
using Fixpoint.Numerics;

namespace Fixpoint.Cli;

/// <summary>
/// The memory budget (--memory-limit, on every verb) and the size checks the verbs make with it before they
/// allocate: a random network's weights, a census's starts, a sweep's task list. Each refusal is one line
/// saying how much the input needs; <see cref="FixpointCli"/> adds how to raise the limit.
/// </summary>
internal static class InputLimits
{
    public const string MemoryLimitName = "--memory-limit";

    /// <summary>The deepest network (layers, or loops of a tied layer) accepted: one evaluation of a deeper one would take hours.</summary>
    public const int MaxDepth = ModelFile.MaxTiedDepth;

    public static Option<string> CreateMemoryLimit() => new(MemoryLimitName)
    {
        Description = $"Memory the sizes from options and files may ask for, e.g. 8G or 500M (default {MemoryBudget.DefaultFraction:0%} of the memory available: {MemoryBudget.Format(MemoryBudget.Default.LimitBytes)}).",
        Recursive = true,
    };

    public static MemoryBudget Budget(ParseResult p)
    {
        string? text = p.GetValue<string>(MemoryLimitName);
        if (text is null) return MemoryBudget.Default;
        long bytes = MemoryBudget.Parse(text) ?? throw new UsageException($"{MemoryLimitName} '{text}' is not a size such as 8G, 500M or 1000000000");
        return new MemoryBudget(bytes);
    }

    /// <summary>A random network's weights (W, its transpose, the packed copy) must fit before any is drawn.</summary>
    public static void CheckRandomNetwork(ParseResult p, int width, int depth, bool tied)
    {
        if (depth > MaxDepth) throw new UsageException($"--depth {depth} is beyond the {MaxDepth:N0} layers a network may apply");
        int stored = tied ? 1 : depth;
        Budget(p).Require(Network.EstimatedBytes(width, stored), $"a random network of width {width} and {stored} stored layer{(stored == 1 ? "" : "s")}");
    }

    /// <summary>Starts × N must fit one array and the budget.</summary>
    public static void CheckCensus(ParseResult p, int starts, int dimension, int threads)
    {
        if ((long)starts * dimension > CensusMemory.MaxValues)
            throw new UsageException($"--starts {starts} at N = {dimension} is {(long)starts * dimension} start coordinates, more than the {CensusMemory.MaxValues} one array holds");
        Budget(p).Require(CensusMemory.Bytes(dimension, starts, threads == 0 ? Environment.ProcessorCount : threads), $"a census of {starts} starts at N = {dimension}");
    }

    /// <summary>Bytes a sweep keeps per task in its task list (the cell, key and seed).</summary>
    public const int BytesPerTask = 512;

    /// <summary>A sweep's task list, and its widest, deepest census on every thread at once, must fit.</summary>
    public static void CheckSweep(ParseResult p, Experiments.SweepSpec spec, int threads)
    {
        MemoryBudget budget = Budget(p);
        budget.Require(spec.TaskCount * (double)BytesPerTask, $"the {spec.TaskCount} tasks of sweep '{spec.Name}'");
        int width = spec.Widths.Max(), depth = spec.Depths.Max();
        if (depth > MaxDepth) throw new UsageException($"axes.depth {depth} is beyond the {MaxDepth:N0} layers a network may apply");
        int workers = threads == 0 ? Environment.ProcessorCount : threads;
        int stored = spec.Tied.All(t => t) ? 1 : depth;
        budget.Require(workers * (Network.EstimatedBytes(width, stored) + CensusMemory.Bytes(width, spec.Starts, 1)),
            $"sweep '{spec.Name}' (a census at N = {width}, {stored} stored layers, {spec.Starts} starts, on each of {workers} threads)");
    }

    /// <summary>LO HI of a box: finite, LO below HI, and HI − LO finite too (a width that overflows breaks uniform draws and plots).</summary>
    public static void CheckBox(string option, double lo, double hi)
    {
        if (!double.IsFinite(lo) || !double.IsFinite(hi) || !(lo < hi)) throw new UsageException($"{option} {Format.Value(lo)} {Format.Value(hi)} is empty: LO must be below HI");
        if (!double.IsFinite(hi - lo)) throw new UsageException($"{option} {Format.Value(lo)} {Format.Value(hi)}: HI − LO overflows a double; give a narrower box");
    }
}
