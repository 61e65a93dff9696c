using Fixpoint.Census;
using Fixpoint.Solvers;

namespace Fixpoint.Tests;

public class SolverSpecTests
{
    [Theory]
    [InlineData("picard", typeof(PicardSolver))]
    [InlineData("anderson", typeof(AndersonSolver))]
    [InlineData("newton", typeof(NewtonSolver))]
    [InlineData(" Anderson ", typeof(AndersonSolver))]
    public void BuildsEachSolverWithItsDefaults(string name, Type type)
    {
        SolverSpec spec = SolverSpec.Create(name);
        ISolver s = spec.Build();
        Assert.IsType(type, s);
        Assert.Equal(spec.Name, s.Name);
        Assert.Empty(spec.Settings);
        Assert.Equal(Activator.CreateInstance(type), s);
    }

    [Fact]
    public void RegistryListsEverySolverOnce()
    {
        Assert.Equal(["picard", "anderson", "newton", "newton-krylov"], SolverSpec.Names);
        Assert.Equal("picard, anderson, newton, newton-krylov", SolverSpec.NameList);
        foreach (string n in SolverSpec.Names) Assert.Equal(n, SolverSpec.Create(n).Build().Name);
        Assert.All(SolverSpec.Options, o => Assert.Contains(o.Solver, SolverSpec.Names));
    }

    [Fact]
    public void OptionsAreCarriedThrough()
    {
        Assert.Equal(new PicardSolver { Damping = 0.5 }, SolverSpec.Create("picard", [new("damping", 0.5)]).Build());
        Assert.Equal(new AndersonSolver { History = 7, Mixing = 0.25, Ridge = 1e-6 },
            SolverSpec.Create("anderson", [new("history", 7), new("mixing", 0.25), new("ridge", 1e-6)]).Build());
        Assert.Equal(new NewtonSolver { MaxBacktracks = 4, ArmijoC = 0.1 },
            SolverSpec.Create("newton", [new("maxBacktracks", 4), new("armijoC", 0.1)]).Build());
        SolverSpec a = SolverSpec.Create("anderson", [new("history", 7)]);
        Assert.Equal(7, a.Get("history"));
        Assert.Null(a.Get("mixing"));
    }

    [Theory]
    [InlineData("picard", "history", 7, "history: applies to anderson only, not picard")]
    [InlineData("newton", "history", 7, "history: applies to anderson only, not newton")]
    [InlineData("newton", "damping", 0.5, "damping: applies to picard only, not newton")]
    [InlineData("anderson", "damping", 0.5, "damping: applies to picard only, not anderson")]
    [InlineData("picard", "armijoC", 0.1, "armijoC: applies to newton only, not picard")]
    public void AnOptionOfAnotherSolverIsRefusedNamingIt(string solver, string key, double value, string message)
    {
        var e = Assert.Throws<SolverSpecException>(() => SolverSpec.Create(solver, [new(key, value)]));
        Assert.Equal(key, e.Option!.Key);
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("anderson", "history", 70, "history: must be in 1 … 50 (got 70)")]
    [InlineData("anderson", "history", 2.5, "history: must be an integer (got 2.5)")]
    [InlineData("picard", "damping", 0, "damping: must be in (0, 1] (got 0)")]
    [InlineData("anderson", "mixing", 1.5, "mixing: must be in (0, 1] (got 1.5)")]
    [InlineData("newton", "armijoC", 0.5, "armijoC: must be in (0, 0.5) (got 0.5)")]
    [InlineData("newton", "maxBacktracks", -1, "maxBacktracks: must be ≥ 0 (got -1)")]
    public void AnOutOfRangeValueIsRefusedByTheRecordAndNamed(string solver, string key, double value, string message)
    {
        var e = Assert.Throws<SolverSpecException>(() => SolverSpec.Create(solver, [new(key, value)]));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void UnknownSolverAndRepeatedOptionAreRefused()
    {
        Assert.Null(Assert.Throws<SolverSpecException>(() => SolverSpec.Create("broyden")).Option);
        Assert.Equal("damping: is given twice", Assert.Throws<SolverSpecException>(() => SolverSpec.Create("picard", [new("damping", 0.5), new("damping", 0.7)])).Message);
        Assert.Throws<ArgumentException>(() => SolverSpec.Create("picard", [new("colour", 1)]));
    }

    /// <summary>Each option name's Range words its record's own check: the setter's message starts with it.</summary>
    [Fact]
    public void RangeWordingsMatchTheRecordsSetters()
    {
        var refusals = new (OptionName Name, Action Set)[]
        {
            (Find(CensusOptionNames.All, "Atol"), () => _ = new SolveOptions { Atol = -1 }),
            (Find(CensusOptionNames.All, "Rtol"), () => _ = new SolveOptions { Rtol = -1 }),
            (Find(CensusOptionNames.All, "MaxIterations"), () => _ = new SolveOptions { MaxIterations = 0 }),
            (Find(CensusOptionNames.All, "MaxPeriod"), () => _ = new SolveOptions { MaxPeriod = 65 }),
            (Find(CensusOptionNames.All, "DivergenceBound"), () => _ = new SolveOptions { DivergenceBound = 0 }),
            (Find(CensusOptionNames.All, "Threads"), () => _ = new SolveOptions { Threads = -1 }),
            (Find(CensusOptionNames.All, "UniqueTol"), () => _ = new CensusOptions { UniqueTol = 0 }),
            (Find(CensusOptionNames.All, "PolishTol"), () => _ = new CensusOptions { PolishTol = 0 }),
            (Find(CensusOptionNames.All, "StabilityMargin"), () => _ = new CensusOptions { StabilityMargin = 1 }),
            (Find(CensusOptionNames.All, "UnstableStarts"), () => _ = new CensusOptions { UnstableStarts = -1 }),
            (Find(CensusOptionNames.All, "DeflateStarts"), () => _ = new CensusOptions { DeflateStarts = -1 }),
            (Solver("damping"), () => _ = new PicardSolver { Damping = 0 }),
            (Solver("history"), () => _ = new AndersonSolver { History = 0 }),
            (Solver("mixing"), () => _ = new AndersonSolver { Mixing = 0 }),
            (Solver("ridge"), () => _ = new AndersonSolver { Ridge = -1 }),
            (Solver("maxBacktracks"), () => _ = new NewtonSolver { MaxBacktracks = -1 }),
            (Solver("armijoC"), () => _ = new NewtonSolver { ArmijoC = 0 }),
            (Solver("krylovRestart"), () => _ = new NewtonKrylovSolver { Restart = 0 }),
            (Solver("krylovMaxIterations"), () => _ = new NewtonKrylovSolver { MaxInnerIterations = 0 }),
            (Solver("forcing"), () => _ = new NewtonKrylovSolver { Forcing = 1 }),
        };
        Assert.Equal(CensusOptionNames.All.Count + SolverSpec.Options.Count, refusals.Length);
        foreach (var (name, set) in refusals)
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(set);
            Assert.Equal(name.Property, e.ParamName);
            Assert.StartsWith("must be " + name.Range + " ", e.Message);
        }

        static OptionName Find(IReadOnlyList<OptionName> t, string p) => OptionName.Find(t, p)!;
        static OptionName Solver(string key) => SolverSpec.Options.Single(o => o.Key == key).Name;
    }

    [Fact]
    public void Float32TolerancesReplaceOnlyWhatWasNotChosen()
    {
        var o = new CensusOptions { UniqueTol = 1e-3 };
        var (changed, names) = Float32Tolerances.Apply(o, new HashSet<string> { nameof(CensusOptions.UniqueTol) });
        Assert.Equal(Float32Tolerances.Atol, changed.Solve.Atol);
        Assert.Equal(Float32Tolerances.PolishTol, changed.PolishTol);
        Assert.Equal(1e-3, changed.UniqueTol);
        Assert.Equal(["--atol", "--polish-tol"], names.Select(n => n.Name.Cli));
    }
}
