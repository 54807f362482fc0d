using System.Text.Json;
using TensorGuard.Core.Policy;
using TensorGuard.ModelFactory;

namespace TensorGuard.Core.Tests.Policy;

/// <summary>The editor schema offers exactly the rules the loader accepts, with the same restrictions on fixed rules.</summary>
public sealed class PolicySchemaRulesTests
{
    private static JsonDocument Schema() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryFiles.Root, "policies", "policy.schema.json")));

    [Fact]
    public void Rules_EveryRuleId_IsInTheSchemaAndFixedRulesAreErrorOnly()
    {
        using JsonDocument schema = Schema();
        JsonElement rules = schema.RootElement.GetProperty("properties").GetProperty("rules").GetProperty("properties");

        Assert.Equal(RuleIds.DefaultSeverities.Keys.Order(StringComparer.Ordinal), rules.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        foreach (string fixedRule in RuleIds.DefaultSeverities.Keys.Where(RuleIds.IsFixed))
        {
            Assert.Equal("error", rules.GetProperty(fixedRule).GetProperty("const").GetString());
        }
    }

    [Fact]
    public void Exceptions_RuleEnum_IsEveryRuleThatCanBeExcepted()
    {
        using JsonDocument schema = Schema();
        string[] excepted = [.. schema.RootElement.GetProperty("$defs").GetProperty("exception").GetProperty("properties").GetProperty("rule").GetProperty("enum").EnumerateArray().Select(e => e.GetString()!)];

        Assert.Equal(RuleIds.DefaultSeverities.Keys.Where(r => !RuleIds.IsFixed(r)).Order(StringComparer.Ordinal), excepted.Order(StringComparer.Ordinal));
    }
}
