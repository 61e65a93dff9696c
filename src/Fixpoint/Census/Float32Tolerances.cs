using Fixpoint.Solvers;

namespace Fixpoint.Census;

/// <summary>
/// Tolerances for a model that computes in float32. Its ‖F(x) − x‖ stalls near its unit roundoff (≈ 1e-7),
/// so the double-precision defaults of <see cref="SolveOptions.Atol"/> and <see cref="CensusOptions.PolishTol"/>
/// are out of reach; its converged points then spread over ≈ atol/(1 − ρ), so <see cref="CensusOptions.UniqueTol"/>
/// widens too.
/// </summary>
public static class Float32Tolerances
{
    public const double Atol = 1e-6, PolishTol = 1e-6, UniqueTol = 1e-4;

    /// <summary>
    /// <paramref name="options"/> with the float32 tolerances in place of those the caller did not choose
    /// (<paramref name="keep"/> holds the <see cref="OptionName.Property"/> names chosen), and the options
    /// changed, with their new values, in the order atol, polish tolerance, unique tolerance.
    /// </summary>
    public static (CensusOptions Options, IReadOnlyList<(OptionName Name, double Value)> Changed) Apply(CensusOptions options, IReadOnlySet<string> keep)
    {
        var changed = new List<(OptionName, double)>();
        if (!keep.Contains(nameof(SolveOptions.Atol)))
        {
            options = options with { Solve = options.Solve with { Atol = Atol } };
            changed.Add((OptionName.Find(CensusOptionNames.All, nameof(SolveOptions.Atol))!, Atol));
        }
        if (!keep.Contains(nameof(CensusOptions.PolishTol)))
        {
            options = options with { PolishTol = PolishTol };
            changed.Add((OptionName.Find(CensusOptionNames.All, nameof(CensusOptions.PolishTol))!, PolishTol));
        }
        if (!keep.Contains(nameof(CensusOptions.UniqueTol)))
        {
            options = options with { UniqueTol = UniqueTol };
            changed.Add((OptionName.Find(CensusOptionNames.All, nameof(CensusOptions.UniqueTol))!, UniqueTol));
        }
        return (options, changed);
    }
}
