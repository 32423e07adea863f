using System.Globalization;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Sample.Console;

/// <summary>Draws one live line: a bar, the percentage, the phase, files and ETA; falls back to plain lines when output is redirected.</summary>
internal sealed class ProgressView
{
    private const int BarWidth = 30;
    private readonly bool _interactive = !System.Console.IsOutputRedirected;
    private int? _totalPhases;
    private string _phase = string.Empty;
    private int _files;

    public void Show(StreamingProgressEvent e)
    {
        _totalPhases = e.PhaseInfo?.TotalPhases ?? _totalPhases;
        if (e.PhaseInfo is { } info && (info.Phase ?? info.CurrentPhase) is int phase and > 0)
        {
            _phase = $"phase {phase}/{_totalPhases?.ToString(CultureInfo.InvariantCulture) ?? "?"}{(info.Name is null ? string.Empty : " " + info.Name)}";
        }

        _files = e.PhaseInfo?.TotalFiles ?? _files;
        var filled = (int)Math.Round(e.Progress * BarWidth);
        var eta = e.EstimatedTimeRemaining is double seconds && e.Status == GenerationStatus.Processing
            ? $" ~{TimeSpan.FromSeconds(Math.Round(seconds)):m\\:ss} left"
            : string.Empty;
        var line = string.Create(
            CultureInfo.InvariantCulture,
            $"[{new string('#', filled)}{new string('.', BarWidth - filled)}] {e.Progress,4:P0} {_phase} | {_files} {(_files == 1 ? "file" : "files")}{eta} | {e.Message}");

        if (_interactive)
        {
            var width = Math.Max(20, System.Console.WindowWidth - 1);
            System.Console.Write('\r' + (line.Length > width ? line[..width] : line.PadRight(width)));
            if (e.IsTerminal || e.WarningType is not null || e.Status == GenerationStatus.AwaitingInput)
            {
                System.Console.WriteLine();
            }
        }
        else
        {
            System.Console.WriteLine(line);
        }
    }
}
