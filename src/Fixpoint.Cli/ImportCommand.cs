namespace Fixpoint.Cli;

/// <summary>
/// <c>fixpoint import MODEL.onnx --out FILE.safetensors</c>: exact import of a plain-MLP ONNX graph into
/// a native network (exact Jacobians, certification, the fast kernels). Before writing, the imported
/// network is compared with ONNX Runtime at random points (<see cref="OnnxImportCheck"/>).
/// </summary>
internal static class ImportCommand
{
    public static Command Create(CliConsole console)
    {
        var model = new Argument<string>("model") { Description = "The ONNX model (a chain of Gemm/MatMul, Add and one activation)." };
        var outFile = new Option<string>("--out") { Description = "The safetensors file to write (default: the model's name with .safetensors)." };
        var f32 = new Option<bool>("--f32") { Description = "Write float32 (exact when the ONNX weights are float32 and Gemm's alpha and beta are 1); default float64." };
        var cmd = new Command("import", "Import an ONNX plain MLP exactly as a Fixpoint network (safetensors), or say which op stops the import.") { model, outFile, f32 };
        cmd.SetAction(p =>
        {
            string path = p.GetValue(model)!;
            if (!MapFile.IsOnnx(path)) throw new UsageException($"{path}: fixpoint import reads .onnx files");
            string target = p.GetValue(outFile) ?? Path.ChangeExtension(path, ".safetensors");
            if (Path.GetFullPath(target) == Path.GetFullPath(path)) throw new UsageException("--out would overwrite the model itself");
            OnnxImportResult r = OnnxImport.Import(path);
            if (r.Network is null)
            {
                // A model that is not even a square map says so first (OnnxMap.Load throws with that reason).
                using (OnnxMap.Load(path)) { }
                throw new UsageException($"{path} is not a plain MLP, so it does not import exactly: {r.Refusal}. The census still runs on it: fixpoint census --model {path}");
            }
            Network net = r.Network;

            string check = Check(path, net);
            string? parent = Path.GetDirectoryName(Path.GetFullPath(target));
            if (parent is not null) Directory.CreateDirectory(parent);
            ModelFile.Save(net, target, p.GetValue(f32), new Dictionary<string, string> { ["importedFrom"] = Path.GetFileName(path) });
            string widths = string.Join("→", net.Layers.Select(l => l.Inputs).Append(net.Layers[^1].Outputs));
            console.Out.WriteLine($"imported {path}: {net.Layers.Count} layer(s) {widths}, activation {net.Activation.Name}, weights {(r.Float32 ? "float32" : "float64 or wider")}");
            console.Out.WriteLine(check);
            console.Out.WriteLine($"wrote {target} ({(p.GetValue(f32) ? "float32" : "float64")})");
            if (p.GetValue(f32) && !r.Float32) console.Error.WriteLine("note: the ONNX weights are not all float32; --f32 rounded them");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    /// <summary>Compares the imported network with ONNX Runtime (<see cref="OnnxImportCheck"/>); a disagreement is an error and nothing is written.</summary>
    private static string Check(string path, Network net)
    {
        using OnnxMap ort = OnnxMap.Load(path);
        if (ort.Dimension != net.Dimension)
            throw new UsageException($"{path}: ONNX Runtime sees N = {ort.Dimension} but the imported network has N = {net.Dimension}");
        OnnxImportCheck c = OnnxImportCheck.Run(ort, net);
        string text = $"check: max |F_imported − F_onnxruntime| / max(1, |F|) over {c.Points} points in [-1, 1]^{c.Dimension} = {c.Worst.ToString("0.###e+0", CultureInfo.InvariantCulture)} ({(c.IsFloat32 ? "float32" : "float64")} model, limit {Format.Value(c.Limit)})";
        if (!c.Agrees) throw new UsageException($"{path}: the imported network disagrees with ONNX Runtime, nothing written; {text}");
        return text;
    }
}
