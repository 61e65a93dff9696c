using System.Diagnostics;
using Fixpoint.Fuzz;

// fixpoint-fuzz TARGET                      coverage-guided, under libFuzzer (libfuzzer-dotnet) through SharpFuzz
// fixpoint-fuzz mutate TARGET|all [--executions N] [--seconds S] [--seed K]
//                                           a self-contained mutation run over the committed corpus (no engine needed)
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: fixpoint-fuzz TARGET | mutate TARGET|all [--executions N] [--seconds S] [--seed K]; targets: " + string.Join(", ", Targets.All.Keys));
    return 2;
}
if (args[0] != "mutate")
{
    if (!Targets.All.TryGetValue(args[0], out var target)) { Console.Error.WriteLine($"error: unknown target '{args[0]}'"); return 2; }
    SharpFuzz.Fuzzer.LibFuzzer.Run(span =>
    {
        try { target(span.ToArray()); }
        catch (Exception e) when (Targets.IsRefusal(e)) { }
    });
    return 0;
}

string which = args.Length > 1 ? args[1] : "all";
long executions = Option("--executions", 100_000);
double seconds = Option("--seconds", 0);
ulong seed = (ulong)Option("--seed", 1);
string root = FindRoot();
var names = which == "all" ? Targets.All.Keys.ToList() : [which];
int crashes = 0;
foreach (string name in names)
{
    if (!Targets.All.TryGetValue(name, out var target)) { Console.Error.WriteLine($"error: unknown target '{name}'"); return 2; }
    string corpus = Path.Combine(root, "fuzz", "corpus", name);
    var seeds = Directory.EnumerateFiles(corpus).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();
    var m = new Mutator(seeds, seed);
    var clock = Stopwatch.StartNew();
    long run = 0, refused = 0, accepted = 0;
    while (run < executions && (seconds <= 0 || clock.Elapsed.TotalSeconds < seconds))
    {
        byte[] input = run < seeds.Count ? seeds[(int)run] : m.Next();
        run++;
        try { target(input); accepted++; }
        catch (Exception e) when (Targets.IsRefusal(e)) { refused++; }
        catch (Exception e)
        {
            crashes++;
            string dir = Path.Combine(root, "fuzz", "crashes", name);
            Directory.CreateDirectory(dir);
            string file = Path.Combine(dir, $"crash-{Convert.ToHexString(System.Security.Cryptography.SHA1.HashData(input))[..12].ToLowerInvariant()}");
            File.WriteAllBytes(file, input);
            Console.Error.WriteLine($"CRASH {name}: {e.GetType().Name}: {e.Message.Split('\n')[0]} (input {file})");
        }
    }
    Console.WriteLine($"{name}: {run} executions in {clock.Elapsed.TotalSeconds:0.0} s, {accepted} accepted, {refused} refused, {crashes} crashes so far ({seeds.Count} corpus files)");
}
return crashes == 0 ? 0 : 1;

long Option(string name, long fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && long.TryParse(args[i + 1], out long v) ? v : fallback;
}

static string FindRoot()
{
    for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        if (Directory.Exists(Path.Combine(d.FullName, "fuzz", "corpus"))) return d.FullName;
    for (DirectoryInfo? d = new(Environment.CurrentDirectory); d is not null; d = d.Parent)
        if (Directory.Exists(Path.Combine(d.FullName, "fuzz", "corpus"))) return d.FullName;
    throw new DirectoryNotFoundException("fuzz/corpus not found above the program or the working directory");
}
