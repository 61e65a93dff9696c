using System.Buffers.Binary;
using System.Text;

namespace Fixpoint.Tests.Robustness;

/// <summary>Runs a CLI line that must be refused, and the files bad-input tests feed it.</summary>
internal static class BadInput
{
    /// <summary>No refusal may allocate more than this on the calling thread (the acceptance bound is 500 MB of memory).</summary>
    public const long MaxAllocatedBytes = 500L << 20;

    /// <summary>
    /// Runs the CLI and checks the refusal: exit 2, exactly one stderr line starting "error: ", no stack trace,
    /// and less than <see cref="MaxAllocatedBytes"/> allocated by the run. Returns the line.
    /// </summary>
    public static string Refused(params string[] args)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        CliRunner.Run r = CliRunner.Invoke(args);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        string[] lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode} for {string.Join(' ', args)}; stderr: {r.Err}");
        Assert.True(lines.Length == 1, $"expected one stderr line, got {lines.Length}: {r.Err}");
        Assert.StartsWith("error: ", lines[0]);
        Assert.DoesNotContain("   at ", r.Err);
        Assert.DoesNotContain("Exception", r.Err);
        Assert.True(allocated < MaxAllocatedBytes, $"{string.Join(' ', args)} allocated {allocated >> 20} MB before refusing");
        return lines[0];
    }

    /// <summary>Every file under <paramref name="dir"/> with its bytes, names relative: two snapshots are equal exactly when nothing changed.</summary>
    public static SortedDictionary<string, string> Snapshot(string dir)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (!Directory.Exists(dir)) return files;
        foreach (string f in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
            files[Path.GetRelativePath(dir, f)] = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)));
        return files;
    }

    /// <summary>A safetensors file with this header text (the JSON written as given, duplicates and all) and these data bytes.</summary>
    public static string Safetensors(string path, string header, byte[] data)
    {
        byte[] h = Encoding.UTF8.GetBytes(header);
        return SafetensorsRaw(path, h, data);
    }

    public static string SafetensorsRaw(string path, byte[] header, byte[] data)
    {
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>float64 little-endian bytes.</summary>
    public static byte[] F64(params double[] values)
    {
        var b = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(i * 8), values[i]);
        return b;
    }

    /// <summary>A 2 × 2 layer header entry at [begin, begin + 32).</summary>
    public static string Layer(string name, int begin, string shape = "[2, 2]", int bytes = 32) =>
        $"\"{name}\": {{\"dtype\": \"F64\", \"shape\": {shape}, \"data_offsets\": [{begin}, {begin + bytes}]}}";

    public const string Tanh = "\"__metadata__\": {\"activation\": \"tanh\"}";
}
