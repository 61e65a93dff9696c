using System.Diagnostics;
using System.Reflection;
using Fixpoint.Init; using Fixpoint.Maps;
int n = int.Parse(args[0]), rows = int.Parse(args[1]);
var net = new RandomNetworkSpec(n, 1, Activation.Parse("tanh"), new GaussianLaw(0.8), new GaussianLaw(0.1), ScaleConvention.InverseSqrtN, false, false, 7).Build();
var prop = typeof(Network).GetProperty("RowBlock", BindingFlags.NonPublic | BindingFlags.Instance)!;
var rng = new Random(1); var x = new double[rows * n]; for (int i = 0; i < x.Length; i++) x[i] = rng.NextDouble() * 2 - 1;
var y = new double[x.Length];
int def = (int)prop.GetValue(net)!;
var blocks = new[] { 6, def, 64 };
var cpu = new Dictionary<int, List<double>>(); foreach (var b in blocks) cpu[b] = new();
for (int rep = 0; rep < 5; rep++)
  foreach (int b in blocks) {
    prop.SetValue(net, b);
    net.EvaluateBatch(x, y, rows);
    var t0 = Process.GetCurrentProcess().TotalProcessorTime; int it = 0;
    do { net.EvaluateBatch(x, y, rows); it++; } while ((Process.GetCurrentProcess().TotalProcessorTime - t0).TotalSeconds < 0.5);
    double s = (Process.GetCurrentProcess().TotalProcessorTime - t0).TotalSeconds / it;
    cpu[b].Add(2.0 * rows * n * n / s / 1e9);
  }
foreach (var b in blocks) { var l = cpu[b]; l.Sort(); Console.WriteLine($"n={n} rows={rows} rowBlock={b}{(b == 6 ? " (strip by strip, as before)" : b == def ? " (default)" : "")} GFLOP/s per CPU-second: median {l[l.Count / 2]:F1} best {l[^1]:F1}"); }
