using Fixpoint.Certify;

namespace Fixpoint.Cli;

/// <summary>
/// <c>fixpoint certify</c>: rigorous statements about a network's fixed points, in outward-rounded interval
/// arithmetic (docs/certify.md): Krawczyk boxes around the points a census found, region certificates
/// (paper A's Thm 4.1), and complete enumeration in a box.
/// </summary>
internal static class CertifyCommand
{
    public const string NetworkFileName = "network.safetensors";

    public static Command Create(CliConsole console, CancellationToken ct)
    {
        var net = new NetworkOptions();
        var around = new Option<string>("--around") { Description = $"A census.json: certify each of its fixed points with Krawczyk (the network defaults to the census's {NetworkFileName})." };
        var region = new Option<string[]>("--region") { Description = "A box D for the region certificate: LO,HI once (every coordinate) or once per coordinate.", AllowMultipleArgumentsPerToken = true };
        var k = new Option<double?>("--k") { Description = "Region certificate: require sup row-ℓ1 norm of J over D ≤ K (default: any K < 1, reported)." };
        var layers = new Option<int>("--layers") { Description = "Region certificate: L in the a-priori bound K^L·ε/(1 − K) (default 1).", DefaultValueFactory = _ => 1 };
        var enumerate = new Option<bool>("--enumerate") { Description = "Find and prove every fixed point in --box by branch and bound (small N)." };
        var box = new Option<double[]>("--box") { Description = "Enumeration box LO HI, the same in every coordinate (default -1 1).", DefaultValueFactory = _ => [-1.0, 1.0], Arity = new ArgumentArity(2, 2), AllowMultipleArgumentsPerToken = true };
        var maxBoxes = new Option<int>("--max-boxes") { Description = $"Enumeration: boxes examined at most (default {FixedPointEnumerationOptions.DefaultMaxBoxes}); what is left is reported undecided.", DefaultValueFactory = _ => FixedPointEnumerationOptions.DefaultMaxBoxes };
        var minWidth = new Option<double>("--min-width") { Description = $"Enumeration: boxes narrower than this are not split further (default {FixedPointEnumerationOptions.DefaultMinWidth}).", DefaultValueFactory = _ => FixedPointEnumerationOptions.DefaultMinWidth };
        var outDir = new Option<string>("--out") { Description = "Output folder for certify.json (default fixpoint-certify).", DefaultValueFactory = _ => "fixpoint-certify" };
        var cmd = new Command("certify", "Prove fixed points: Krawczyk boxes around a census's points, region certificates (Thm 4.1), complete enumeration in a box.");
        net.AddTo(cmd);
        foreach (Option o in new Option[] { around, region, k, layers, enumerate, box, maxBoxes, minWidth, outDir }) cmd.Options.Add(o);

        cmd.SetAction(p =>
        {
            string? censusPath = p.GetValue(around);
            string[] regionArgs = p.GetValue(region) ?? [];
            bool doEnumerate = p.GetValue(enumerate);
            if (censusPath is null && regionArgs.Length == 0 && !doEnumerate)
                throw new UsageException("say what to certify: --around census.json, --region LO,HI, or --enumerate --box LO HI");
            double[] b = p.GetValue(box)!;
            if (!b.All(double.IsFinite) || !(b[0] < b[1])) throw new UsageException($"--box {Format.Value(b[0])} {Format.Value(b[1])} is empty: LO must be below HI");
            if (NetworkOptions.Given(p, box) && !doEnumerate) throw new UsageException("--box applies to --enumerate");
            int mb = p.GetValue(maxBoxes);
            if (mb < 1) throw new UsageException($"--max-boxes must be ≥ 1 (got {mb})");
            double mw = p.GetValue(minWidth);
            if (!(mw > 0) || !double.IsFinite(mw)) throw new UsageException($"--min-width must be > 0 (got {Format.Value(mw)})");
            double? kBound = p.GetValue(k);
            if (kBound is double kv && !(kv > 0 && kv < 1)) throw new UsageException($"--k must be in (0, 1) (got {Format.Value(kv)})");
            int ls = p.GetValue(layers);
            if (ls < 0) throw new UsageException($"--layers must be ≥ 0 (got {ls})");

            CensusFile? census = censusPath is null ? null : ReadCensus(censusPath);
            (Network network, string description) = LoadNetwork(net, p, censusPath);
            int n = network.Dimension;
            Interval[]? regionBox = regionArgs.Length == 0 ? null : ParseRegion(regionArgs, n);
            string dir = p.GetValue(outDir)!;

            var started = DateTime.UtcNow;
            var aroundResults = new List<(CensusFixedPoint Point, KrawczykResult R)>();
            if (census is not null)
            {
                if (census.Dimension != n) throw new UsageException($"{censusPath} is a census in dimension {census.Dimension} but the network has dimension {n}");
                var points = census.FixedPoints;
                var xs = points.Select(fp => fp.X).ToArray();
                foreach (PointCertificate pc in KrawczykAround.CertifyAll(network, xs, null, ct)) aroundResults.Add((points[pc.Index], pc.Result));
            }
            RegionCertificateResult? regionResult = regionBox is null ? null
                : RegionCertificate.Check(network, regionBox, new RegionCertificateOptions { ContractionBound = kBound, Layers = ls });
            EnumerationResult? enumResult = null;
            if (doEnumerate)
            {
                var domain = Enumerable.Repeat(new Interval(b[0], b[1]), n).ToArray();
                enumResult = ProgressReporter.Run(console, "", progress => FixedPointEnumerator.Enumerate(network, domain,
                    new FixedPointEnumerationOptions { MaxBoxes = mb, MinWidth = mw },
                    new EnumerationProgressAdapter(progress, mb), ct));
            }

            Directory.CreateDirectory(dir);
            string path = Path.Combine(dir, "certify.json");
            CertifyFile.Write(path, CertifyFile.From(FixpointCli.Version, "fixpoint " + string.Join(' ', p.Tokens.Select(t => t.Value)), description, n,
                aroundResults, regionResult, enumResult, (DateTime.UtcNow - started).TotalSeconds));
            Print(console, description, aroundResults, regionResult, enumResult, path);
            return ct.IsCancellationRequested ? ExitCodes.Interrupted : ExitCodes.Ok;
        });
        return cmd;
    }

    /// <summary>The network: the options when any is given, else the census folder's network.safetensors.</summary>
    private static (Network, string) LoadNetwork(NetworkOptions net, ParseResult p, string? censusPath)
    {
        Option[] choosers = [net.Model, net.Network, net.Width, net.Depth, net.Weights, net.Biases, net.Scaling, net.Tied, net.Residual, net.Seed, net.Activation];
        if (censusPath is not null && !choosers.Any(o => NetworkOptions.Given(p, o)))
        {
            string file = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(censusPath))!, NetworkFileName);
            if (!File.Exists(file)) throw new UsageException($"{censusPath}: no {NetworkFileName} beside it; name the network with --model, --network or the random-network options");
            Network loaded = ModelFile.Load(file);
            return (loaded, $"model {file} ({NetworkOptions.Describe(loaded)})");
        }
        (Network built, string description) = net.Build(p);
        net.Save(p, built);
        return (built, description);
    }

    /// <summary>The census to certify around; a file that is not a census.json ends the command with one line naming it.</summary>
    private static CensusFile ReadCensus(string path)
    {
        CensusFile census = CensusFile.Read(path);
        if (census.FixedPoints.Any(f => !f.X.All(double.IsFinite))) throw new UsageException($"{path}: a fixed point without a finite x");
        return census;
    }

    internal static Interval[] ParseRegion(string[] args, int n)
    {
        var parts = args.SelectMany(a => a.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();
        var boxes = parts.Select(a =>
        {
            string[] lh = a.Split(',');
            if (lh.Length != 2 || !double.TryParse(lh[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double lo)
                || !double.TryParse(lh[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double hi) || !double.IsFinite(lo) || !double.IsFinite(hi))
                throw new UsageException($"--region '{a}' is not LO,HI");
            if (!(lo < hi)) throw new UsageException($"--region {a} is empty: LO must be below HI");
            return new Interval(lo, hi);
        }).ToArray();
        if (boxes.Length == 1) return Enumerable.Repeat(boxes[0], n).ToArray();
        if (boxes.Length != n) throw new UsageException($"--region gives {boxes.Length} intervals; give one (for every coordinate) or {n} (one per coordinate)");
        return boxes;
    }

    private static void Print(CliConsole console, string description, List<(CensusFixedPoint Point, KrawczykResult R)> around,
        RegionCertificateResult? region, EnumerationResult? enumeration, string path)
    {
        TextWriter o = console.Out;
        o.WriteLine($"network: {description}");
        if (around.Count > 0)
        {
            int unique = around.Count(a => a.R.Status == CertificateStatus.Unique);
            o.WriteLine($"Krawczyk around the census's {around.Count} fixed points: {unique} certified (existence and uniqueness in a box)");
            foreach (var (point, r) in around)
            {
                o.WriteLine($"  {CensusReport.Vec(point.X)}  {point.Stability.Key(),-9} {r.Status.Key(),-8} " + (r.Status == CertificateStatus.Unique
                    ? $"radius {r.SmallestRadius:0.##e+0} … {r.LargestRadius:0.##e+0}"
                    : r.Reason.Message()));
            }
        }
        if (region is not null)
        {
            o.WriteLine(region.Certified
                ? $"region certificate: CERTIFIED — F(D) ⊆ D and K = {region.K:0.######} < 1: exactly one fixed point in D, attracting; a-priori bound K^L·ε/(1 − K) = {region.APrioriBound:0.###e+0} (L = {region.Layers}, ε = {region.Diameter:0.####})"
                : $"region certificate: FAILED — {string.Join("; ", region.Violations.Take(5).Select(v => v.ToString()))}{(region.Violations.Count > 5 ? $"; … {region.Violations.Count - 5} more" : "")}");
        }
        if (enumeration is not null)
        {
            o.WriteLine($"enumeration: {enumeration.FixedPoints.Count} fixed points certified, {enumeration.Undecided.Count} undecided boxes, {enumeration.BoxesExamined} boxes examined in {enumeration.Elapsed.TotalSeconds:0.###} s; "
                + (enumeration.ProvenCount is int pc ? $"PROVEN: exactly {pc} fixed points in the box" : $"not proven ({enumeration.Status.Message()})"));
            foreach (CertifiedFixedPoint f in enumeration.FixedPoints.Take(64))
                o.WriteLine($"  {CensusReport.Vec(f.Point)}  ρ = {f.SpectralRadius:0.######}  {(f.SpectralRadius < 1 ? "stable" : "unstable")}");
            if (enumeration.FixedPoints.Count > 64) o.WriteLine($"  … {enumeration.FixedPoints.Count - 64} more in certify.json");
        }
        o.WriteLine($"wrote {path}");
    }


    private sealed class EnumerationProgressAdapter(IProgress<Progress> inner, int maxBoxes) : IProgress<EnumerationProgress>
    {
        public void Report(EnumerationProgress value) => inner.Report(new Progress("boxes", value.BoxesExamined, maxBoxes));
    }
}
