using ModelStore.Caching;
using ModelStore.Stores;

namespace ModelStore.Tests;

[TestClass]
[DoNotParallelize] // Sets MODELSTORE_HOME, which every StateCache.Default of the process reads.
public sealed class PretrainedStateTests
{
    private static readonly string MissingSha256 = new('e', 64);

    [TestMethod]
    public void A_state_found_nowhere_names_where_the_cache_root_came_from()
    {
        var previous = Environment.GetEnvironmentVariable(StateCache.HomeVariable);
        var home = Directory.CreateTempSubdirectory("ms-pretrained-").FullName;
        try
        {
            var state = new PretrainedState("pytorch/tiny-mlp.digits.v1", "local", MissingSha256, 10, null);

            Environment.SetEnvironmentVariable(StateCache.HomeVariable, home);
            var fromVariable = Assert.ThrowsExactly<StateStoreException>(() => state.ResolvePath());
            Assert.AreEqual(StateStoreError.NotFound, fromVariable.Error);
            StringAssert.Contains(fromVariable.Message, $"root {home}, set by $MODELSTORE_HOME");

            Environment.SetEnvironmentVariable(StateCache.HomeVariable, null);
            var fromDefault = Assert.ThrowsExactly<StateStoreException>(() => state.ResolvePath());
            StringAssert.Contains(fromDefault.Message, $"the default root {StateCache.DefaultRoot}, as $MODELSTORE_HOME is not set");
            StringAssert.Contains(fromDefault.Message, "ModelStoreHome");
            Assert.DoesNotContain("set by $MODELSTORE_HOME", fromDefault.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(StateCache.HomeVariable, previous);
            Directory.Delete(home, recursive: true);
        }
    }
}
