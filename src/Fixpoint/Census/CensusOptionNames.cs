using Fixpoint.Solvers;

namespace Fixpoint.Census;

/// <summary>The outside names of <see cref="CensusOptions"/>' options (see <see cref="OptionName"/>).</summary>
public static class CensusOptionNames
{
    public static IReadOnlyList<OptionName> All { get; } =
    [
        new(nameof(CensusOptions.UniqueTol), "--unique-tol", "uniqueTol", "> 0"),
        new(nameof(CensusOptions.PolishTol), "--polish-tol", "polishTol", "> 0"),
        new(nameof(CensusOptions.StabilityMargin), "--margin", "margin", "in [0, 1)"),
        new(nameof(CensusOptions.UnstableStarts), "--unstable-starts", "unstableStarts", "≥ 0"),
    ];
}
