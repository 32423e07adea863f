using System.Net;
using System.Net.Http.Json;
using Iteration.Streaming.Engine;
using Microsoft.Extensions.DependencyInjection;
using Iteration.Streaming.Hosting;

namespace Iteration.Streaming.TestHost;

/// <summary>
/// Many starts of one owner racing a daily allowance over HTTP, spread over one or more hosts that share a store: the
/// allowance must admit exactly what it holds, whichever instance each start reaches.
/// </summary>
public static class OwnerBudgetRace
{
    /// <summary>The header the race's owner resolver reads the user from.</summary>
    public const string UserHeader = "X-Test-User";

    /// <summary>
    /// 1,000 tokens per generation against 10,000 a day, no concurrency limit: exactly 10 starts fit. After every other
    /// configuration (a test project may carry a sample's appsettings.json with its own budgets).
    /// </summary>
    public static void Configure(IServiceCollection services) =>
        services.PostConfigure<IterationStreamingOptions>(options =>
        {
            options.Budgets.MaxPerGeneration = 1_000;
            options.Budgets.OwnerTokensPerDay = 10_000;
            options.Budgets.OwnerConcurrentGenerations = null;
        });

    /// <summary>Registers an owner resolver that reads <see cref="UserHeader"/>.</summary>
    public static void ResolveOwnerFromHeader(IIterationStreamingBuilder builder) =>
        builder.AddGenerationOwnerResolver(c => ValueTask.FromResult<string?>(c.Request.Headers[UserHeader].ToString()));

    /// <summary>Sends <paramref name="starts"/> starts at once, round-robin over <paramref name="hosts"/>; each waits at its plan gate.</summary>
    /// <returns>How many were admitted (202) and refused by the budget (429 of the budget problem type), and the first refusal.</returns>
    public static async Task<(int Admitted, int Refused, string FirstRefusal)> RaceAsync(IReadOnlyList<KestrelTestHost> hosts, int starts, string user)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        var clients = hosts.Select(h => h.CreateClient()).ToList();
        try
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, starts).Select(i => Task.Run(async () =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "generations")
                {
                    Content = JsonContent.Create(new { prompt = "Build a task app", entities = new[] { "Task" }, review = new { plan = true } }),
                };
                request.Headers.Add(UserHeader, user);
                using var response = await clients[i % clients.Count].SendAsync(request).ConfigureAwait(false);
                var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                return (response.StatusCode, body);
            }))).ConfigureAwait(false);

            var unexpected = answers.Where(a => a.StatusCode != HttpStatusCode.Accepted
                && !(a.StatusCode == HttpStatusCode.TooManyRequests && a.body.Contains(GenerationBudgetExceededException.ProblemType, StringComparison.Ordinal))).ToList();
            if (unexpected.Count > 0)
            {
                throw new InvalidOperationException($"Unexpected answer {unexpected[0].StatusCode}: {unexpected[0].body}");
            }

            return (
                answers.Count(a => a.StatusCode == HttpStatusCode.Accepted),
                answers.Count(a => a.StatusCode == HttpStatusCode.TooManyRequests),
                answers.FirstOrDefault(a => a.StatusCode == HttpStatusCode.TooManyRequests).body ?? string.Empty);
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }
}
