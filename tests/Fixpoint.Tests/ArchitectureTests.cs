using System.Text;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Fixpoint.Tests;

/// <summary>
/// The folders of src/Fixpoint depend on each other without cycles (docs/architecture.md, "Layers"), read from the
/// source tree: a folder uses another when one of its files has <c>using Fixpoint.X</c>, <c>using static Fixpoint.X.…</c>,
/// or names <c>Fixpoint.X.T</c> or <c>X.T</c> for a type T declared in folder X. Comments and string literals are ignored.
/// </summary>
public class ArchitectureTests(ITestOutputHelper output)
{
    [Fact]
    public void LibraryFolderDependenciesHaveNoCycle()
    {
        string library = Path.Combine(RepositoryRoot(), "src", "Fixpoint");
        IReadOnlyDictionary<string, SortedSet<string>> graph = FolderGraph.FromSourceTree(library);
        Assert.Contains("Census", graph.Keys);
        Assert.Contains("Numerics", graph["Census"]);
        output.WriteLine(FolderGraph.Describe(graph));
        IReadOnlyList<string>? cycle = FolderGraph.FindCycle(graph);
        Assert.True(cycle is null, $"the folders of src/Fixpoint depend on each other in a cycle: {string.Join(" → ", cycle ?? [])}\n{FolderGraph.Describe(graph)}");
    }

    /// <summary>The order of docs/architecture.md, "Layers", from the bottom.</summary>
    private static readonly string[] Layers = [FolderGraph.Root, "Numerics", "Maps", "Onnx", "Init", "Solvers", "Census", "Continuation", "Certify", "Spectra", "Training", "Applications", "IO", "Experiments"];

    [Fact]
    public void EveryFolderUsesOnlyTheLayersBelowIt()
    {
        IReadOnlyDictionary<string, SortedSet<string>> graph = FolderGraph.FromSourceTree(Path.Combine(RepositoryRoot(), "src", "Fixpoint"));
        foreach (var (folder, uses) in graph)
        {
            int at = Array.IndexOf(Layers, folder);
            Assert.True(at >= 0, $"folder {folder} is not in the layer order of docs/architecture.md");
            foreach (string used in uses)
                Assert.True(Array.IndexOf(Layers, used) < at, $"{folder} uses {used}, which is not below it in docs/architecture.md's layers\n{FolderGraph.Describe(graph)}");
        }
    }

    [Fact]
    public void CycleFinderReportsTheCycle()
    {
        var graph = Graph(("Numerics", []), ("Maps", ["Numerics"]), ("Census", ["Maps", "IO"]), ("IO", ["Training"]), ("Training", ["Census", "Maps"]));
        IReadOnlyList<string>? cycle = FolderGraph.FindCycle(graph);
        Assert.NotNull(cycle);
        Assert.Equal(cycle[0], cycle[^1]);
        Assert.Equal(["Census", "IO", "Training"], cycle.Skip(1).Order());
        for (int i = 0; i + 1 < cycle.Count; i++) Assert.Contains(cycle[i + 1], graph[cycle[i]]);
    }

    [Fact]
    public void CycleFinderAcceptsLayers()
    {
        var graph = Graph(("Numerics", []), ("Maps", ["Numerics"]), ("Census", ["Maps", "Numerics"]), ("IO", ["Census", "Maps"]));
        Assert.Null(FolderGraph.FindCycle(graph));
        Assert.NotNull(FolderGraph.FindCycle(Graph(("Maps", ["Maps"]))));
    }

    [Fact]
    public void EdgesComeFromUsingsAndQualifiedNamesNotFromCommentsOrStrings()
    {
        string[] folders = ["Census", "IO", "Maps", "Numerics", "Training", "Spectra", "Init"];
        var types = new Dictionary<string, ISet<string>>
        {
            ["Training"] = new HashSet<string> { "CsvDatasetReader" },
            ["Spectra"] = new HashSet<string> { "TailIndex" },
        };
        const string source = """
            using Fixpoint.Maps;
            using static Fixpoint.Numerics.DenseLinearAlgebra;
            // using Fixpoint.Init;
            /* Fixpoint.Init.RandomNetwork */
            /// <see cref="Spectra.TailIndex"/>
            namespace Fixpoint.Census;
            class A
            {
                string S = "Fixpoint.Init.WeightLaw and Spectra.TailIndex";
                object D = Training.CsvDatasetReader.Read("x");
                object E = global::Fixpoint.IO.ModelFile.Load("y");
                object F = spec.Spectra.Value; // a member, not the folder
            }
            """;
        SortedSet<string> uses = FolderGraph.Uses(source, folders, types);
        Assert.Equal(["IO", "Maps", "Numerics", "Training"], uses);
    }

    private static Dictionary<string, SortedSet<string>> Graph(params (string Node, string[] Uses)[] edges) =>
        edges.ToDictionary(e => e.Node, e => new SortedSet<string>(e.Uses, StringComparer.Ordinal));

    /// <summary>The folder holding Fixpoint.slnx, found by walking up from the test binaries.</summary>
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Fixpoint.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no Fixpoint.slnx above {AppContext.BaseDirectory}");
    }
}

/// <summary>The folder-dependency graph of a source tree, and a cycle finder.</summary>
internal static partial class FolderGraph
{
    /// <summary>The root namespace's files (directly in the library folder) form the node of this name.</summary>
    public const string Root = "(root)";

    /// <summary>For each top folder of <paramref name="library"/> (and <see cref="Root"/>), the other folders it uses.</summary>
    public static IReadOnlyDictionary<string, SortedSet<string>> FromSourceTree(string library)
    {
        string[] folders = [.. Directory.GetDirectories(library).Select(Path.GetFileName).OfType<string>()
            .Where(f => f is not ("bin" or "obj")).Order(StringComparer.Ordinal)];
        var files = folders.ToDictionary(f => f, f => SourceFiles(Path.Combine(library, f)).Select(File.ReadAllText).ToArray());
        files[Root] = [.. Directory.GetFiles(library, "*.cs").Order(StringComparer.Ordinal).Select(File.ReadAllText)];
        var types = folders.ToDictionary(f => f, f => (ISet<string>)new HashSet<string>(files[f].SelectMany(DeclaredTypes)));
        var graph = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach ((string node, string[] texts) in files)
        {
            var uses = new SortedSet<string>(StringComparer.Ordinal);
            foreach (string text in texts) uses.UnionWith(Uses(text, folders, types));
            uses.Remove(node);
            graph[node] = uses;
        }
        return graph;
    }

    /// <summary>The folders among <paramref name="folders"/> that one source file refers to.</summary>
    public static SortedSet<string> Uses(string source, IReadOnlyCollection<string> folders, IReadOnlyDictionary<string, ISet<string>> types)
    {
        string code = StripCommentsAndStrings(source);
        var uses = new SortedSet<string>(StringComparer.Ordinal);
        foreach (Match m in UsingDirective().Matches(code)) uses.Add(m.Groups[1].Value);
        foreach (Match m in FullyQualified().Matches(code)) uses.Add(m.Groups[1].Value);
        foreach (Match m in PartlyQualified().Matches(code))
            if (types.TryGetValue(m.Groups[1].Value, out ISet<string>? declared) && declared.Contains(m.Groups[2].Value)) uses.Add(m.Groups[1].Value);
        uses.IntersectWith(folders);
        return uses;
    }

    /// <summary>A cycle as its nodes, the first repeated at the end; null when the graph has none. Nodes are visited in ordinal order.</summary>
    public static IReadOnlyList<string>? FindCycle(IReadOnlyDictionary<string, SortedSet<string>> graph)
    {
        var state = new Dictionary<string, int>(); // 1: on the current path, 2: done
        var path = new List<string>();
        foreach (string start in graph.Keys.Order(StringComparer.Ordinal))
        {
            List<string>? cycle = Visit(start);
            if (cycle is not null) return cycle;
        }
        return null;

        List<string>? Visit(string node)
        {
            if (state.GetValueOrDefault(node) == 2) return null;
            if (state.GetValueOrDefault(node) == 1) return [.. path.Skip(path.IndexOf(node)), node];
            state[node] = 1;
            path.Add(node);
            foreach (string next in graph.TryGetValue(node, out SortedSet<string>? uses) ? uses : [])
            {
                List<string>? cycle = Visit(next);
                if (cycle is not null) return cycle;
            }
            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }
    }

    public static string Describe(IReadOnlyDictionary<string, SortedSet<string>> graph) =>
        string.Join("\n", graph.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"  {kv.Key} → {string.Join(", ", kv.Value)}"));

    private static IEnumerable<string> SourceFiles(string folder) =>
        Directory.GetFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj"))
            .Order(StringComparer.Ordinal);

    private static IEnumerable<string> DeclaredTypes(string source) =>
        TypeDeclaration().Matches(StripCommentsAndStrings(source)).Select(m => m.Groups[1].Value);

    /// <summary>
    /// The code with comments and the contents of string and character literals blanked (interpolation holes too:
    /// a folder named only inside one is missed, which errs towards fewer edges, never a false cycle).
    /// </summary>
    internal static string StripCommentsAndStrings(string s)
    {
        var sb = new StringBuilder(s.Length);
        int i = 0;
        while (i < s.Length)
        {
            char c = s[i];
            if (c == '/' && i + 1 < s.Length && s[i + 1] == '/')
            {
                while (i < s.Length && s[i] != '\n') i++;
            }
            else if (c == '/' && i + 1 < s.Length && s[i + 1] == '*')
            {
                int end = s.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? s.Length : end + 2;
                sb.Append(' ');
            }
            else if (c == '"' && i + 2 < s.Length && s[i + 1] == '"' && s[i + 2] == '"')
            {
                int quotes = 0;
                while (i < s.Length && s[i] == '"') { quotes++; i++; }
                string close = new('"', quotes);
                int end = s.IndexOf(close, i, StringComparison.Ordinal);
                i = end < 0 ? s.Length : end + quotes;
                sb.Append("\"\"");
            }
            else if (c == '"')
            {
                bool verbatim = i > 0 && (s[i - 1] == '@' || (s[i - 1] == '$' && i > 1 && s[i - 2] == '@'));
                i++;
                while (i < s.Length)
                {
                    if (verbatim && s[i] == '"' && i + 1 < s.Length && s[i + 1] == '"') { i += 2; continue; }
                    if (!verbatim && s[i] == '\\') { i += 2; continue; }
                    if (s[i] == '"' || (!verbatim && s[i] == '\n')) break;
                    i++;
                }
                i++;
                sb.Append("\"\"");
            }
            else if (c == '\'' && i + 2 < s.Length && (s[i + 2] == '\'' || s[i + 1] == '\\'))
            {
                int end = s.IndexOf('\'', s[i + 1] == '\\' ? i + 3 : i + 2);
                i = end < 0 ? s.Length : end + 1;
                sb.Append("' '");
            }
            else
            {
                sb.Append(c);
                i++;
            }
        }
        return sb.ToString();
    }

    [GeneratedRegex(@"^\s*(?:global\s+)?using\s+(?:static\s+)?(?:\w+\s*=\s*)?(?:global::)?Fixpoint\.(\w+)", RegexOptions.Multiline)]
    private static partial Regex UsingDirective();

    [GeneratedRegex(@"(?<![\w.])(?:global::)?Fixpoint\.(\w+)\.")]
    private static partial Regex FullyQualified();

    [GeneratedRegex(@"(?<![\w.:])([A-Z]\w*)\.([A-Z]\w*)")]
    private static partial Regex PartlyQualified();

    [GeneratedRegex(@"\b(?:class|struct|interface|enum|record(?:\s+(?:class|struct))?)\s+([A-Z]\w*)")]
    private static partial Regex TypeDeclaration();
}
