using SensorOdl.Drivers;

namespace SensorOdl.Drivers.Tests;

public class AssemblyTests
{
    [Fact]
    public void Drivers_assembly_name_matches_its_marker() =>
        Assert.Equal(DriversAssembly.Name, typeof(DriversAssembly).Assembly.GetName().Name);
}
