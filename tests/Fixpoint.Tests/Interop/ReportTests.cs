using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Fixpoint.Tests.Interop;

/// <summary>Issue 9: fixpoint report gathers a folder of outputs into one self-contained report.html.</summary>
public partial class ReportTests
{
    /// <summary>A folder as the verbs leave it: a census (with its three PNGs), a sweep report, a certificate, an unknown file and a broken JSON file.</summary>
    internal static (string Dir, int FixedPoints, int Pngs) MakeOutputs()
    {
        string dir = CliRunner.TempDir();
        string census = Path.Combine(dir, "poly");
        var run = CliRunner.Invoke("census", "--network", "ke2024-poly", "--dim", "2", "--m", "100", "--unstable", "--box", "-3", "3", "--starts", "300", "--out", census);
        Assert.True(run.ExitCode == 0, run.Err);
        int fixedPoints = JsonNode.Parse(File.ReadAllText(Path.Combine(census, "census.json")))!["fixedPoints"]!.AsArray().Count;
        string sweep = Path.Combine(dir, "sweep", "report");
        Directory.CreateDirectory(sweep);
        File.WriteAllText(Path.Combine(sweep, "summary.csv"), "width,depth,weights,q_mean\n4,1,gaussian(1),1\n4,2,\"cauchy(1)\",1.5\n");
        File.Copy(Path.Combine(census, "census.png"), Path.Combine(sweep, "q_vs_depth.png"));
        File.WriteAllText(Path.Combine(census, "certify.json"),
            """{"command":"fixpoint certify --network ke2024-poly","fixpointVersion":"0.1.0","boxes":[{"lo":[0,0],"hi":[0.1,0.1],"status":"unique"}],"unique":1}""");
        File.WriteAllBytes(Path.Combine(dir, "weights.bin"), [1, 2, 3]);
        File.WriteAllText(Path.Combine(dir, "broken.json"), "{ not json");
        return (dir, fixedPoints, 4); // census.png, eigenvalues.png, basins.png and the sweep's q_vs_depth.png
    }

    [Fact]
    public void ReportHoldsTablesFiguresCommandsAndListsUnknownFiles()
    {
        var (dir, fixedPoints, pngs) = MakeOutputs();
        var run = CliRunner.Invoke("report", dir);
        Assert.True(run.ExitCode == 0, run.Err);
        Assert.Contains("listed but not shown: broken.json, weights.bin", run.Out);
        string html = File.ReadAllText(Path.Combine(dir, "report.html"));
        Assert.Equal(fixedPoints, Regex.Matches(html, "<tr class=\"fp\">").Count);
        Assert.Equal(pngs, Regex.Matches(html, "<img ").Count);
        Assert.Equal(pngs, Regex.Matches(html, "src=\"data:image/png;base64,").Count);
        Assert.Contains("fixpoint census --network ke2024-poly --dim 2 --m 100", html);
        Assert.Contains("fixpoint certify --network ke2024-poly", html);
        Assert.Contains("<table class=\"csv summary\">", html);
        Assert.Contains("cauchy(1)", html);
        Assert.Contains("weights.bin", html);
        Assert.Contains("Not valid JSON", html);
        Assert.Contains("same rows as the fixed-point table of census.json", html);
        // Self-contained: no script, no external stylesheet, image or link.
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(Regex.Matches(html, "(src|href)=\"(?!data:|#)"));
    }

    /// <summary>Result files are read through their file models: a census.json that lacks a field is reported with the field's name, a certify.json gives its provenance row, and CSV cells may hold quoted commas.</summary>
    [Fact]
    public void ResultFilesAreReadThroughTheirFileModels()
    {
        string dir = CliRunner.TempDir();
        Directory.CreateDirectory(Path.Combine(dir, "bad"));
        JsonObject census = JsonNode.Parse(File.ReadAllText(Fixtures.Path("results/census-poly.json")))!.AsObject();
        census.Remove("estimatedMissing");
        File.WriteAllText(Path.Combine(dir, "bad", "census.json"), census.ToJsonString());
        File.Copy(Fixtures.Path("results/census-cycle.json"), Path.Combine(dir, "census.json"));
        File.Copy(Fixtures.Path("results/certify.json"), Path.Combine(dir, "certify.json"));
        File.WriteAllText(Path.Combine(dir, "t.csv"), "name,value\n\"a, b\",1.5\n");
        var run = CliRunner.Invoke("report", dir);
        Assert.True(run.ExitCode == 0, run.Err);
        string html = File.ReadAllText(Path.Combine(dir, "report.html"));
        Assert.Contains("estimatedMissing", html);
        Assert.Contains("listed but not shown: bad/census.json", run.Out);
        Assert.Single(Regex.Matches(html, "<tr class=\"cycle\">"));
        Assert.Contains("fixpoint certify --around poly/census.json --enumerate", html);
        Assert.Contains("<td>a, b</td>", html);
    }

    /// <summary>
    /// Issue 16, item 5: a census where no start converges gets a warnings block at the top; numbers come at a few
    /// significant digits (no "E-07"), basins as percentages, every coordinate of a 10-dimensional point and its
    /// eigenvalues behind a disclosure, and fields of a later census.json (modes) shown there too.
    /// </summary>
    [Fact]
    public void ReportWarnsFormatsNumbersAndDisclosesEveryCoordinate()
    {
        string dir = CliRunner.TempDir();
        string census = Path.Combine(dir, "cauchy");
        var run = CliRunner.Invoke("census", "--width", "10", "--depth", "8", "--weights", "cauchy(1)", "--scaling", "1/n", "--starts", "40", "--max-iter", "60",
            "--unstable", "--no-plot", "--out", census);
        Assert.True(run.ExitCode == 0, run.Err);
        JsonObject doc = JsonNode.Parse(File.ReadAllText(Path.Combine(census, "census.json")))!.AsObject();
        Assert.Equal(0, (int)doc["outcomes"]!["converged"]!);
        JsonArray points = doc["fixedPoints"]!.AsArray();
        Assert.NotEmpty(points);
        points[0]!.AsObject()["modes"] = JsonNode.Parse("""[{"kind":"unstable","eigenvalue":[2.5,0],"vector":[0.6,0.8]}]""");
        File.WriteAllText(Path.Combine(census, "census.json"), doc.ToJsonString());

        Assert.Equal(0, CliRunner.Invoke("report", dir).ExitCode);
        string html = File.ReadAllText(Path.Combine(dir, "report.html"));
        string text = Regex.Replace(html, "data:[a-z/+]+;base64,[A-Za-z0-9+/=]+", "");
        int warnings = text.IndexOf("<section class=\"warnings\">", StringComparison.Ordinal);
        Assert.True(warnings > 0 && warnings < text.IndexOf("Commands and versions", StringComparison.Ordinal), "no warnings block before the tables");
        Assert.Contains("no start converged (0 of 40)", text);
        Assert.Contains("most starts hit the iteration limit: 40 of 40 (100%)", text);
        Assert.DoesNotMatch("[0-9]E[+-][0-9]", text);
        Assert.DoesNotContain("E-0", text);
        Assert.Contains("[0%, ", text);

        // One disclosure per point, each with all 10 coordinates, equal to census.json's to 6 significant digits.
        var details = Regex.Matches(text, "<tr class=\"fp-detail\">.*?<strong>x</strong> <code>\\(([^)]*)\\)</code>", RegexOptions.Singleline);
        Assert.Equal(points.Count, details.Count);
        double[] x0 = details[0].Groups[1].Value.Split(", ").Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        double[] expected = points[0]!["x"]!.AsArray().Select(v => (double)v!).ToArray();
        Assert.Equal(10, x0.Length);
        for (int i = 0; i < 10; i++) Assert.True(Math.Abs(x0[i] - expected[i]) <= 5e-6 * Math.Abs(expected[i]) + 1e-300, $"x[{i}] = {x0[i]}, file {expected[i]}");
        Assert.Contains("… 10 values)", text);
        Assert.Matches("<table class=\"eigenvalues\">", text);
        Assert.Contains("<strong>modes</strong>", text);
        Assert.Contains("<code>[0.6, 0.8]</code>", text);
    }

    [Fact]
    public void BadFoldersExitTwoAndAnEscapedNameStaysText()
    {
        var missing = CliRunner.Invoke("report", Path.Combine(CliRunner.TempDir(), "nope"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("no such folder", missing.Err);
        var empty = CliRunner.Invoke("report", CliRunner.TempDir());
        Assert.Equal(2, empty.ExitCode);
        Assert.Contains("no files", empty.Err);
        string dir = CliRunner.TempDir();
        File.WriteAllText(Path.Combine(dir, "<b>x.txt"), "<script>alert(1)</script>");
        string target = Path.Combine(dir, "out", "r.html");
        Assert.Equal(0, CliRunner.Invoke("report", dir, "--out", target).ExitCode);
        string html = File.ReadAllText(target);
        Assert.DoesNotContain("<script>", html);
        Assert.Contains("&lt;script&gt;", html);
    }

    /// <summary>The report opens in a real browser (headless Chromium) and shows every fixed-point row and every figure.</summary>
    [ChromiumFact]
    public void ReportRendersInChromium()
    {
        string chromium = Chromium.Executable ?? throw new InvalidOperationException(Chromium.Missing);
        var (dir, fixedPoints, pngs) = MakeOutputs();
        Assert.Equal(0, CliRunner.Invoke("report", dir).ExitCode);
        string url = new Uri(Path.Combine(dir, "report.html")).AbsoluteUri;
        string profile = Path.Combine(dir, "chromium-profile");

        string dom = Chromium.Run(chromium, profile, "--dump-dom", url);
        Assert.Equal(fixedPoints, Regex.Matches(dom, "<tr class=\"fp\">").Count);
        Assert.Equal(pngs, Regex.Matches(dom, "<img [^>]*src=\"data:image/png;base64,").Count);
        Assert.Contains("Fixed points (" + fixedPoints + ")", dom);

        string shot = Path.Combine(dir, "screenshot.png");
        Chromium.Run(chromium, profile, "--window-size=1280,2400", $"--screenshot={shot}", url);
        Assert.True(File.Exists(shot), "no screenshot");
        Assert.True(new FileInfo(shot).Length > 40_000, $"screenshot of {new FileInfo(shot).Length} bytes: the page looks empty");
    }
}

/// <summary>Runs only where Chromium is installed, except in CI (CI set), where it must run and fails without Chromium.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (Chromium.Executable is null && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
            Skip = Chromium.Missing + " (this test is skipped outside CI; in CI it runs)";
    }
}

internal static class Chromium
{
    public const string Missing = "chromium is not installed: apt-get install -y chromium (.ci/run does this)";

    public static string? Executable { get; } = Find();

    private static string? Find()
    {
        string[] names = ["chromium", "chromium-browser", "google-chrome"];
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Append("/usr/bin"))
            foreach (string n in names)
            {
                string p = Path.Combine(dir, n);
                if (File.Exists(p)) return p;
            }
        return null;
    }

    /// <summary>Runs headless Chromium with the given arguments and returns its standard output.</summary>
    public static string Run(string exe, string profile, params string[] args)
    {
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in (string[])["--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", $"--user-data-dir={profile}", .. args])
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("chromium did not finish in 120 s");
        }
        Assert.True(p.ExitCode == 0, $"chromium exited with {p.ExitCode}: {stderr.Result}");
        return stdout;
    }
}
