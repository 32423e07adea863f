using System.Globalization;
using System.Text;

namespace Iteration.Streaming.Benchmarks;

/// <summary>
/// Deterministic C#-like source files and edits of them, for diffs: lines of typical length, many repeated structural
/// lines (braces, blank lines, returns) as real code has, names that vary per file and method.
/// </summary>
internal static class SourceFiles
{
    private static readonly string[] Nouns = ["Order", "Customer", "Invoice", "Product", "Shipment", "Account", "Payment", "Review"];

    /// <summary>A file of about <paramref name="bytes"/> bytes (ending in a newline).</summary>
    public static string Create(int index, int bytes, Random random)
    {
        var noun = Nouns[index % Nouns.Length];
        var text = new StringBuilder(bytes + 512);
        text.Append(CultureInfo.InvariantCulture, $"using System;\nusing System.Collections.Generic;\nusing System.Threading;\nusing System.Threading.Tasks;\n\nnamespace App.Module{index / 10};\n\n");
        text.Append(CultureInfo.InvariantCulture, $"/// <summary>Reads and changes {noun.ToLowerInvariant()}s for feature {index}.</summary>\npublic sealed class {noun}Service{index}(IRepository<{noun}> repository, TimeProvider clock)\n{{\n");
        for (var method = 0; text.Length < bytes - 2; method++)
        {
            var field = random.Next(1000);
            text.Append(CultureInfo.InvariantCulture, $"    /// <summary>Finds the {noun.ToLowerInvariant()} by its key ({method}).</summary>\n");
            text.Append(CultureInfo.InvariantCulture, $"    public async Task<{noun}?> Get{noun}{method}Async(int id, CancellationToken cancellationToken)\n    {{\n");
            text.Append(CultureInfo.InvariantCulture, $"        var item = await repository.FindAsync(id + {field}, cancellationToken).ConfigureAwait(false);\n");
            text.Append("        if (item is null)\n        {\n            return null;\n        }\n\n");
            text.Append(CultureInfo.InvariantCulture, $"        return item with {{ UpdatedAt = clock.GetUtcNow(), Version = item.Version + {method % 7} }};\n    }}\n\n");
        }

        return text.Append("}\n").ToString();
    }

    /// <summary><paramref name="text"/> with <paramref name="hunks"/> edits far apart: a line changed, two inserted, one deleted.</summary>
    public static string Edit(string text, int hunks, Random random)
    {
        var lines = text.Split('\n').ToList();
        var stride = (lines.Count - 1) / hunks;
        for (var hunk = hunks - 1; hunk >= 0; hunk--)
        {
            var at = (hunk * stride) + random.Next(1, Math.Max(2, stride - 8));
            lines[at] += " // reviewed";
            lines.Insert(at + 1, "        // Keep the cache in step with the repository.");
            lines.Insert(at + 2, "        cache.Invalidate(id);");
            lines.RemoveAt(at + 4);
        }

        return string.Join('\n', lines);
    }
}
