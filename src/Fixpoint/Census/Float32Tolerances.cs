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
    /// <see cref="CensusOptions.RoundingFloor"/> of a float32 map: 10 × <see cref="Atol"/> = 1e-5 (≈ 84 ulps of 1 in float32).
    /// Near an attractor with ρ close to 1 the map's rounding (≈ 2^-24 relative per operation) is amplified by up to
    /// 1/(1 − ρ), so its iterates wander over orbits of diameter ≈ 1e-6 that the driver sees as 2- or 4-cycles; an
    /// orbit this narrow is the fixed point, not a cycle.
    /// </summary>
    public const double RoundingFloor = 10 * Atol;

    /// <summary>
    /// <paramref name="options"/> with the float32 tolerances in place of those the caller did not choose
    /// (<paramref name="keep"/> holds the <see cref="OptionName.Property"/> names chosen), and the options
    /// changed, with their new values, in the order atol, polish tolerance, unique tolerance.
    /// </summary>
    public static (CensusOptions Options, IReadOnlyList<(OptionName Name, double Value)> Changed) Apply(CensusOptions options, IReadOnlySet<string> keep)
    {
        var changed = new List<(OptionName, double)>();
        options = options with { RoundingFloor = RoundingFloor };
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
