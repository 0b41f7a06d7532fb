// Dependency injection: factories receive their dependencies through the resolver.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

#include "ait/hub/errors.h"
#include "ait/hub/hub.h"
#include "fake_service.h"

namespace ait::hub {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::FakeService;
using testing::HubFixture;
using testing::kFakeFailure;

/// What a real dependant looks like: it receives everything through its constructor.
class Quoter : public FakeService {
 public:
  using FakeService::FakeService;
  int quote() const { return 42; }
};

struct Settings {
  int maxOrders = 10;
};

class Engine : public FakeService {
 public:
  Engine(testing::EventLog& log, const Clock& clock, Quoter& quoter, const Settings& settings,
         std::vector<int>& bus)
      : FakeService("engine", log, clock), quoter_(quoter), settings_(settings), bus_(bus) {}
  Quoter& quoter() { return quoter_; }
  const Settings& settings() const { return settings_; }
  std::vector<int>& bus() { return bus_; }

 private:
  Quoter& quoter_;
  const Settings& settings_;
  std::vector<int>& bus_;
};

class HubResolverTest : public ::testing::Test, public HubFixture {
 protected:
  void addQuoter(Hub& hub) {
    ASSERT_TRUE(hub.addService({"quoter", {}, [this](Resolver&) {
                                  auto service = std::make_unique<Quoter>("quoter", events, clock);
                                  quoter = service.get();
                                  return service;
                                }}));
  }

  /// Registers a service "consumer" whose factory runs `body` with the resolver.
  void addConsumer(Hub& hub, std::vector<std::string> dependsOn,
                   std::function<void(Resolver&)> body) {
    ASSERT_TRUE(hub.addService({"consumer", std::move(dependsOn), [this, body](Resolver& r) {
                                  body(r);
                                  return std::make_unique<FakeService>("consumer", events, clock);
                                }}));
  }

  Quoter* quoter = nullptr;
};

TEST_F(HubResolverTest, InjectsServicesAndComponentsThroughTheConstructor) {
  auto hub = makeHub();
  auto settings = std::make_shared<const Settings>(Settings{25});
  std::vector<int> bus;
  ASSERT_TRUE(hub->addComponent("settings", settings));
  ASSERT_TRUE(hub->addComponentRef("bus", bus));
  Engine* engine = nullptr;
  ASSERT_TRUE(hub->addService({"engine", {"quoter", "settings", "bus"}, [&](Resolver& r) {
                                 auto built = std::make_unique<Engine>(
                                     events, clock, r.get<Quoter>("quoter"),
                                     r.get<const Settings>("settings"),
                                     r.get<std::vector<int>>("bus"));
                                 engine = built.get();
                                 return built;
                               }}));
  addQuoter(*hub);

  ASSERT_TRUE(hub->start());

  ASSERT_NE(engine, nullptr);
  EXPECT_EQ(&engine->quoter(), quoter);
  EXPECT_EQ(engine->quoter().quote(), 42);
  EXPECT_EQ(&engine->settings(), settings.get());
  EXPECT_EQ(engine->settings().maxOrders, 25);
  EXPECT_EQ(&engine->bus(), &bus);
}

TEST_F(HubResolverTest, FindsAServiceThroughAnInterfaceItImplements) {
  auto hub = makeHub();
  addQuoter(*hub);
  Service* asService = nullptr;
  addConsumer(*hub, {"quoter"}, [&](Resolver& r) { asService = &r.get<Service>("quoter"); });
  ASSERT_TRUE(hub->start());
  EXPECT_EQ(asService, static_cast<Service*>(quoter));
}

TEST_F(HubResolverTest, RefusesADependencyThatIsNotDeclared) {
  auto hub = makeHub();
  addQuoter(*hub);
  ASSERT_TRUE(hub->addComponent("bus", std::make_shared<int>(1)));
  addConsumer(*hub, {"bus"}, [](Resolver& r) { r.get<Quoter>("quoter"); });

  auto started = hub->start();

  ASSERT_FALSE(started);
  EXPECT_EQ(&started.error().code(), &kUndeclaredDependency);
  EXPECT_THAT(started.error().message(),
              HasSubstr("cannot construct service 'consumer': service 'consumer' asked for "
                        "'quoter', which it does not declare in depends_on (declared: bus)"));
  // The quoter was built first and is destroyed again; nothing was started.
  EXPECT_THAT(events.events(), ElementsAre("destroy:quoter"));
}

TEST_F(HubResolverTest, RefusesAServiceAskedForWithTheWrongType) {
  auto hub = makeHub();
  addQuoter(*hub);
  addConsumer(*hub, {"quoter"}, [](Resolver& r) { r.get<Engine>("quoter"); });
  auto started = hub->start();
  ASSERT_FALSE(started);
  EXPECT_EQ(&started.error().code(), &kDependencyType);
  EXPECT_THAT(started.error().message(), HasSubstr("as ait::hub::(anonymous namespace)::Engine"));
  EXPECT_THAT(started.error().message(), HasSubstr("but it is a ait::hub::(anonymous "
                                                   "namespace)::Quoter"));
}

TEST_F(HubResolverTest, RefusesAComponentAskedForWithTheWrongType) {
  auto hub = makeHub();
  ASSERT_TRUE(hub->addComponent("bus", std::make_shared<int>(1)));
  addConsumer(*hub, {"bus"}, [](Resolver& r) { r.get<long>("bus"); });
  auto started = hub->start();
  ASSERT_FALSE(started);
  EXPECT_EQ(&started.error().code(), &kDependencyType);
  EXPECT_THAT(started.error().message(), HasSubstr("component 'bus' as long, but it was "
                                                   "registered as int"));
}

TEST_F(HubResolverTest, AReadOnlyComponentIsOnlyHandedOutAsConst) {
  auto hub = makeHub();
  ASSERT_TRUE(hub->addComponent("settings", std::make_shared<const Settings>()));
  std::optional<Error> mutableAsk;
  const Settings* constAsk = nullptr;
  addConsumer(*hub, {"settings"}, [&](Resolver& r) {
    auto writable = r.find<Settings>("settings");
    if (!writable) mutableAsk = writable.error();
    constAsk = &r.get<const Settings>("settings");
  });
  ASSERT_TRUE(hub->start());
  ASSERT_TRUE(mutableAsk.has_value());
  EXPECT_EQ(&mutableAsk->code(), &kDependencyType);
  EXPECT_THAT(mutableAsk->message(), HasSubstr("registered read-only"));
  EXPECT_NE(constAsk, nullptr);
}

TEST_F(HubResolverTest, FindReturnsTheErrorInsteadOfThrowing) {
  auto hub = makeHub();
  addQuoter(*hub);
  std::optional<Error> seen;
  addConsumer(*hub, {"quoter"}, [&](Resolver& r) {
    auto missing = r.find<Quoter>("nothing");
    if (!missing) seen = missing.error();
  });
  ASSERT_TRUE(hub->start());
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(&seen->code(), &kUndeclaredDependency);
}

TEST_F(HubResolverTest, TellsWhereADependencyRunsAndRefusesToInjectARemoteOne) {
  HubConfig config;
  config.remote["quoter"] = "quotes.internal:8003";
  auto hub = makeHub(config);
  addQuoter(*hub);
  ASSERT_TRUE(hub->addComponent("bus", std::make_shared<int>(1)));
  bool quoterLocal = true;
  bool busLocal = false;
  std::optional<ServiceLocation> where;
  std::optional<Error> injected;
  std::string_view name;
  addConsumer(*hub, {"quoter", "bus"}, [&](Resolver& r) {
    name = r.serviceName();
    quoterLocal = r.isLocal("quoter");
    busLocal = r.isLocal("bus");
    if (auto location = r.location("quoter")) where = *location;
    auto object = r.find<Quoter>("quoter");
    if (!object) injected = object.error();
  });

  ASSERT_TRUE(hub->start({"consumer"}));

  EXPECT_EQ(name, "consumer");
  EXPECT_FALSE(quoterLocal);
  EXPECT_TRUE(busLocal);
  EXPECT_EQ(where, ServiceLocation::remote("quotes.internal", 8003));
  ASSERT_TRUE(injected.has_value());
  EXPECT_EQ(&injected->code(), &kDependencyRemote);
  EXPECT_THAT(injected->message(), HasSubstr("runs at quotes.internal:8003"));
  EXPECT_EQ(quoter, nullptr) << "a remote service is never built here";
}

TEST_F(HubResolverTest, AFactoryErrorIsAStartupErrorNamingTheService) {
  auto hub = makeHub();
  addQuoter(*hub);
  ASSERT_TRUE(hub->addService({"broken", {"quoter"}, [](Resolver&) -> Expected<std::unique_ptr<Service>> {
                                 return fail(kFakeFailure, "model file missing");
                               }}));
  auto started = hub->start();
  ASSERT_FALSE(started);
  EXPECT_EQ(&started.error().code(), &kFakeFailure);
  EXPECT_EQ(started.error().message(), "cannot construct service 'broken': model file missing");
  EXPECT_THAT(events.events(), ElementsAre("destroy:quoter"));
}

TEST_F(HubResolverTest, AFactoryExceptionIsAStartupErrorNamingTheService) {
  auto hub = makeHub();
  ASSERT_TRUE(hub->addService({"thrower", {}, [](Resolver&) -> Expected<std::unique_ptr<Service>> {
                                 throw std::runtime_error("bad wiring");
                               }}));
  auto started = hub->start();
  ASSERT_FALSE(started);
  EXPECT_EQ(&started.error().code(), &kConstructFailed);
  EXPECT_THAT(started.error().message(), HasSubstr("'thrower'"));
  EXPECT_THAT(started.error().message(), HasSubstr("bad wiring"));
}

TEST_F(HubResolverTest, AFactoryMustBuildAServiceWithTheRegisteredName) {
  auto hub = makeHub();
  ASSERT_TRUE(hub->addService({"nothing", {}, [](Resolver&) {
                                 return Expected<std::unique_ptr<Service>>(nullptr);
                               }}));
  auto none = hub->start();
  ASSERT_FALSE(none);
  EXPECT_THAT(none.error().message(), HasSubstr("returned no service"));

  auto other = makeHub();
  ASSERT_TRUE(other->addService({"expected-name", {}, [this](Resolver&) {
                                   return std::make_unique<FakeService>("other-name", events,
                                                                        clock);
                                 }}));
  auto misnamed = other->start();
  ASSERT_FALSE(misnamed);
  EXPECT_EQ(&misnamed.error().code(), &kConstructFailed);
  EXPECT_THAT(misnamed.error().message(), HasSubstr("built a service named 'other-name'"));
}

/// Logs its destruction, to check that components outlive the services using them.
struct Journal {
  explicit Journal(testing::EventLog& log) : log_(log) {}
  ~Journal() { log_.add("destroy:journal"); }
  testing::EventLog& log_;
};

TEST_F(HubResolverTest, ComponentsOutliveTheServicesThatUseThem) {
  auto hub = makeHub();
  ASSERT_TRUE(hub->addComponent("journal", std::make_shared<Journal>(events)));
  ASSERT_TRUE(hub->addService({"writer", {"journal"}, [this](Resolver& r) {
                                 r.get<Journal>("journal");
                                 return std::make_unique<FakeService>("writer", events, clock);
                               }}));
  ASSERT_TRUE(hub->start());
  events.clear();
  hub.reset();
  EXPECT_THAT(events.events(), ElementsAre("stop:writer", "destroy:writer", "destroy:journal"));
}

}  // namespace
}  // namespace ait::hub
