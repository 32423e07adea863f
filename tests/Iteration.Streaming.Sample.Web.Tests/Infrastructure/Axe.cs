using System.Text.Json;
using Microsoft.Playwright;

namespace Iteration.Streaming.Sample.Web.Tests.Infrastructure;

/// <summary>
/// axe-core (the npm package, a devDependency of the JavaScript client package) injected into a page: the WCAG 2.x A/AA
/// and best-practice rules, run on the page as it is.
/// </summary>
public static class Axe
{
    private static readonly string[] Blocking = ["serious", "critical"];

    /// <summary>Where <c>npm ci</c> in the client package puts axe-core.</summary>
    public static string ScriptPath => Path.Combine(RepositoryPaths.ClientPackage, "node_modules", "axe-core", "axe.min.js");

    /// <summary>The serious and critical violations on the page now, one line each (rule, impact, help, elements).</summary>
    public static async Task<IReadOnlyList<string>> SeriousViolationsAsync(IPage page)
    {
        if (!File.Exists(ScriptPath))
        {
            // node_modules is never committed: a fresh clone has none until npm ci runs in the client package.
            throw new InvalidOperationException(
                $"axe-core is not installed at '{ScriptPath}' (the JavaScript client's node_modules). {ReadyProcess.TestCommandHint} "
                + "(Or install only it: npm ci --prefix src/iteration-streaming-client.)");
        }

        if (!await page.EvaluateAsync<bool>("() => typeof window.axe === 'object'"))
        {
            await page.AddScriptTagAsync(new PageAddScriptTagOptions { Path = ScriptPath });
        }

        var violations = await page.EvaluateAsync<JsonElement>("""
            async () => {
              const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } });
              return result.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')) }));
            }
            """);
        return violations.EnumerateArray()
            .Where(v => Blocking.Contains(v.GetProperty("impact").GetString()))
            .Select(v => $"{v.GetProperty("id").GetString()} ({v.GetProperty("impact").GetString()}): {v.GetProperty("help").GetString()} at "
                + string.Join(", ", v.GetProperty("nodes").EnumerateArray().Select(n => n.GetString())))
            .ToList();
    }
}
