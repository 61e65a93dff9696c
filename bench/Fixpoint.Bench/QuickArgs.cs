using System.Globalization;

namespace Fixpoint.Bench;

/// <summary>--name value pairs for the quick modes; an unknown or malformed option is an error.</summary>
internal sealed class QuickArgs
{
    private readonly Dictionary<string, List<string>> _values = new();
    private readonly HashSet<string> _used = new();

    public QuickArgs(string[] args)
    {
        string? key = null;
        foreach (string a in args)
        {
            if (a.StartsWith("--", StringComparison.Ordinal) && !double.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            {
                key = a[2..];
                _values[key] = new List<string>();
            }
            else if (key is null) throw new ArgumentException($"unexpected argument '{a}'");
            else _values[key].Add(a);
        }
    }

    public bool Flag(string name)
    {
        _used.Add(name);
        return _values.ContainsKey(name);
    }

    public string? String(string name)
    {
        _used.Add(name);
        return _values.TryGetValue(name, out var v) ? (v.Count == 1 ? v[0] : throw new ArgumentException($"--{name} takes one value")) : null;
    }

    public string Required(string name) => String(name) ?? throw new ArgumentException($"--{name} is required");

    public double Double(string name, double fallback)
    {
        string? s = String(name);
        if (s is null) return fallback;
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v)
            ? v : throw new ArgumentException($"--{name} '{s}' is not a number");
    }

    public int Int(string name, int fallback)
    {
        string? s = String(name);
        if (s is null) return fallback;
        return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : throw new ArgumentException($"--{name} '{s}' is not an integer");
    }

    /// <summary>A comma-separated list of integers (or several values).</summary>
    public int[] Ints(string name, int[] fallback)
    {
        _used.Add(name);
        if (!_values.TryGetValue(name, out var v)) return fallback;
        return v.SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries))
            .Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int i) ? i : throw new ArgumentException($"--{name} '{s}' is not an integer"))
            .ToArray();
    }

    public double[] Doubles(string name, double[] fallback)
    {
        _used.Add(name);
        if (!_values.TryGetValue(name, out var v)) return fallback;
        return v.Select(s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : throw new ArgumentException($"--{name} '{s}' is not a number")).ToArray();
    }

    /// <summary>Throws on options that no one asked for.</summary>
    public void RejectUnknown()
    {
        foreach (string k in _values.Keys)
            if (!_used.Contains(k)) throw new ArgumentException($"unknown option --{k}");
    }
}
