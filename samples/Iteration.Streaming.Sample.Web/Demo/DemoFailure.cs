using System.Globalization;
using System.Text.RegularExpressions;

namespace Iteration.Streaming.Sample.Web.Demo;

/// <summary>Reads the <c>[fail:phase=N]</c> marker that makes the demo generator throw in phase N.</summary>
internal static partial class DemoFailure
{
    public static int? PhaseToFail(string? prompt)
    {
        if (prompt is null)
        {
            return null;
        }

        var match = Marker().Match(prompt);
        return match.Success ? int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture) : null;
    }

    /// <summary>The prompt without its marker, so the marker never shows up in generated names or files.</summary>
    public static string WithoutMarker(string prompt) => Marker().Replace(prompt, string.Empty);

    [GeneratedRegex(@"\[fail:phase=(\d{1,3})\]", RegexOptions.CultureInvariant)]
    private static partial Regex Marker();
}
