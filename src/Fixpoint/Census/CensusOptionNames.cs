using Fixpoint.Solvers;

namespace Fixpoint.Census;

/// <summary>The outside names (see <see cref="OptionName"/>) of the options of <see cref="SolveOptions"/> and <see cref="CensusOptions"/>, whose property names do not overlap.</summary>
public static class CensusOptionNames
{
    public static IReadOnlyList<OptionName> All { get; } =
    [
        new(nameof(SolveOptions.Atol), "--atol", "atol", "≥ 0 and finite"), new(nameof(SolveOptions.Rtol), "--rtol", "rtol", "≥ 0 and finite"),
        new(nameof(SolveOptions.MaxIterations), "--max-iter", "maxIterations", "≥ 1"), new(nameof(SolveOptions.MaxPeriod), "--max-period", "maxPeriod", "in 1 … 64"),
        new(nameof(SolveOptions.DivergenceBound), "--divergence-bound", "divergenceBound", "> 0"), new(nameof(SolveOptions.Threads), "--threads", "threads", "≥ 0"),
        new(nameof(CensusOptions.UniqueTol), "--unique-tol", "uniqueTol", "> 0"), new(nameof(CensusOptions.PolishTol), "--polish-tol", "polishTol", "> 0"),
        new(nameof(CensusOptions.StabilityMargin), "--margin", "margin", "in [0, 1)"), new(nameof(CensusOptions.UnstableStarts), "--unstable-starts", "unstableStarts", "≥ 0"),
        new(nameof(CensusOptions.DeflateStarts), "--deflate-starts", "deflateStarts", "≥ 0"),
    ];
}
