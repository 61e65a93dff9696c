using System.Text.Json;

namespace Fixpoint.Tests.Interop;

/// <summary>The committed ONNX and safetensors fixtures (tests/Fixpoint.Tests/Fixtures, made by make_onnx_fixtures.py).</summary>
internal static class Fixtures
{
    private static readonly Lazy<string> Folder = new(() =>
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string candidate = System.IO.Path.Combine(d.FullName, "tests", "Fixpoint.Tests", "Fixtures");
            if (Directory.Exists(candidate)) return candidate;
            candidate = System.IO.Path.Combine(d.FullName, "Fixtures");
            if (File.Exists(System.IO.Path.Combine(d.FullName, "Fixpoint.Tests.csproj")) && Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException($"tests/Fixpoint.Tests/Fixtures not found above {AppContext.BaseDirectory}");
    });

    public static string Path(string name) => System.IO.Path.Combine(Folder.Value, name);

    /// <summary>F(x) computed in NumPy (float64) by the fixture script: (points, outputs) for one file.</summary>
    public static (double[][] X, double[][] Y) Expected(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path("expected_outputs.json")));
        JsonElement e = doc.RootElement.GetProperty(name);
        static double[][] Rows(JsonElement a) => a.EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        return (Rows(e.GetProperty("x")), Rows(e.GetProperty("y")));
    }
}
