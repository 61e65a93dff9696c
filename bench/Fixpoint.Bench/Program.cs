using BenchmarkDotNet.Running;
using Fixpoint.Bench;

// Quick modes (no BenchmarkDotNet): `kernel`, `census-time`, `scaling`; anything else goes to
// BenchmarkSwitcher, e.g. `-- --filter '*Kernel*'` or `-- --list flat`.
if (args.Length > 0 && !args[0].StartsWith('-'))
{
    try
    {
        return args[0] switch
        {
            "kernel" => QuickKernel.Run(new QuickArgs(args[1..])),
            "census-time" => CensusTime.Run(new QuickArgs(args[1..])),
            "scaling" => Scaling.Run(new QuickArgs(args[1..])),
            "plot-scaling" => PlotScaling.Run(new QuickArgs(args[1..])),
            "eigen-threshold" => EigenThreshold.Run(new QuickArgs(args[1..])),
            _ => Usage($"unknown mode '{args[0]}'"),
        };
    }
    catch (ArgumentException e)
    {
        return Usage(e.Message);
    }
}
BenchmarkSwitcher.FromAssembly(typeof(QuickArgs).Assembly).Run(args);
return 0;

static int Usage(string message)
{
    Console.Error.WriteLine($"fixpoint-bench: {message}");
    Console.Error.WriteLine("""
        usage:
          kernel      --n 16,64,256 --rows 4096 [--layers 1] [--threads 1,0] [--float32] [--seconds 1]
          census-time --model FILE --starts 4096 [--box -1 1] [--atol 1e-10] [--max-iter 2000]
                      [--solver picard|anderson] [--seed 0] [--threads 0] [--out FILE.json]
          scaling     [--out bench/results/scaling.csv] [--quick]
          plot-scaling [--csv bench/results/scaling.csv] [--out bench/results]
          eigen-threshold [--n 128,256,512,1024] [--repeats 3]
          plot-scaling --census-csv bench/results/census-scaling.csv [--out bench/results]   (from compare-numpy.sh --scaling)
          (anything else: BenchmarkDotNet, e.g. --filter '*')
        """);
    return 2;
}
