using System.Diagnostics;
using Spectre.Console;

namespace Fixpoint.Cli;

/// <summary>Shows the progress of long work: a Spectre bar with rate and ETA on a terminal, a few plain lines when redirected.</summary>
internal static class ProgressReporter
{
    public static T Run<T>(CliConsole console, string title, Func<IProgress<CensusProgress>, T> work)
    {
        if (!console.IsTerminal)
        {
            var plain = new PlainProgress(console.Error);
            T value = work(plain);
            plain.Finish();
            return value;
        }
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                var clock = Stopwatch.StartNew();
                var lockObj = new object();
                var progress = new SyncProgress(p =>
                {
                    lock (lockObj)
                    {
                        if (!tasks.TryGetValue(p.Phase, out ProgressTask? t))
                        {
                            t = ctx.AddTask(p.Phase, maxValue: Math.Max(p.Total, 1));
                            tasks[p.Phase] = t;
                            clock.Restart();
                        }
                        t.Value = p.Done;
                        double rate = p.Done / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                        t.Description = $"{Markup.Escape(p.Phase)} {p.Done}/{p.Total} ({rate:0.#}/s)";
                    }
                });
                result = work(progress);
            });
        if (title.Length > 0) console.Out.WriteLine(title);
        return result;
    }

    private sealed class SyncProgress(Action<CensusProgress> report) : IProgress<CensusProgress>
    {
        public void Report(CensusProgress value) => report(value);
    }

    /// <summary>One line per phase at its end (and every 25%), on standard error, without escape codes.</summary>
    private sealed class PlainProgress(TextWriter err) : IProgress<CensusProgress>
    {
        private readonly object _lock = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private string? _phase;
        private int _lastQuarter = -1;
        private CensusProgress? _last;

        public void Report(CensusProgress p)
        {
            lock (_lock)
            {
                if (p.Phase != _phase)
                {
                    Flush();
                    _phase = p.Phase;
                    _lastQuarter = -1;
                    _clock.Restart();
                }
                _last = p;
                int quarter = p.Total > 0 ? 4 * p.Done / p.Total : 4;
                if (quarter > _lastQuarter && quarter < 4)
                {
                    _lastQuarter = quarter;
                    if (quarter > 0) Line(p);
                }
            }
        }

        public void Finish()
        {
            lock (_lock) Flush();
        }

        private void Flush()
        {
            if (_last is not null) Line(_last);
            _last = null;
        }

        private void Line(CensusProgress p)
        {
            double s = _clock.Elapsed.TotalSeconds;
            err.WriteLine($"{p.Phase}: {p.Done}/{p.Total} ({p.Done / Math.Max(s, 1e-9):0.#}/s, {s:0.0} s)");
        }
    }
}
