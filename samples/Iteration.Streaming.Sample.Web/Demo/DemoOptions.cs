namespace Iteration.Streaming.Sample.Web.Demo;

/// <summary>Settings of the demo generator, bound from the <c>Demo</c> configuration section.</summary>
public sealed class DemoOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Demo";

    /// <summary>
    /// How long the demo "model" takes per file. Default 1 s: a 2-entity run (20 files) takes about 20 s.
    /// Set it on the command line, e.g. <c>--Demo:FileDelay=00:00:00.200</c>.
    /// </summary>
    public TimeSpan FileDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A file the demo "model" appends a line to (<c>{generation id} {phase} {attempt}</c>) each time it is asked for a
    /// phase, so a test can prove that no saved phase was generated twice. Off when empty.
    /// </summary>
    public string? Journal { get; set; }
}
