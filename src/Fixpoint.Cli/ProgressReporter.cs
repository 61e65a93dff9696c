using System.Diagnostics;
using Spectre.Console;

namespace Fixpoint.Cli;

/// <summary>Shows the progress of long work: a Spectre bar with rate and ETA on a terminal, a few plain lines when redirected.</summary>
internal static class ProgressReporter
{
    public static T Run<T>(CliConsole console, string title, Func<IProgress<Progress>, T> work)
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
                var progress = new SyncProgress<Progress>(p =>
                {
                    lock (lockObj)
                    {
                        if (!tasks.TryGetValue(p.Phase, out ProgressTask? t))
                        {
                            t = ctx.AddTask(p.Phase, maxValue: Math.Max(p.Total, 1));
                            tasks[p.Phase] = t;
                            clock.Restart();
                        }
                        // Parallel phases (polish, stability) report their counts in whatever order the workers finish.
                        if (p.Done < t.Value) return;
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

    /// <summary>
    /// One line per phase at its end, every 25%, and at the next report after <see cref="QuietSeconds"/> without a line
    /// (a slow unit: the spectrum of one wide fixed point), on standard error, without escape codes.
    /// </summary>
    private sealed class PlainProgress(TextWriter err) : IProgress<Progress>
    {
        private readonly object _lock = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private string? _phase;
        private int _lastQuarter = -1;
        private double _lastLine;
        private Progress? _last;

        public const double QuietSeconds = 10;

        public void Report(Progress p)
        {
            lock (_lock)
            {
                if (p.Phase != _phase)
                {
                    Flush();
                    _phase = p.Phase;
                    _lastQuarter = -1;
                    _lastLine = 0;
                    _clock.Restart();
                }
                if (_last is not null && p.Done < _last.Done) return;
                _last = p;
                int quarter = p.Total > 0 ? 4 * p.Done / p.Total : 4;
                if (quarter > _lastQuarter && quarter < 4)
                {
                    _lastQuarter = quarter;
                    if (quarter > 0) Line(p);
                }
                else if (p.Done > 0 && p.Done < p.Total && _clock.Elapsed.TotalSeconds - _lastLine >= QuietSeconds) Line(p);
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

        private void Line(Progress p)
        {
            double s = _clock.Elapsed.TotalSeconds;
            _lastLine = s;
            err.WriteLine($"{p.Phase}: {p.Done}/{p.Total} ({p.Done / Math.Max(s, 1e-9):0.#}/s, {s:0.0} s)");
        }
    }
}
