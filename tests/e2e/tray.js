// The tray as a desktop shell sees it: a StatusNotifierWatcher on the spec's private
// session bus (the part of a panel that status icons register with), which the app's
// icon (libayatana-appindicator) registers with, and its menu driven over com.canonical.dbusmenu.
import dbus from 'dbus-next';

const { Interface, ACCESS_READ } = dbus.interface;

class Watcher extends Interface {
  constructor(onItem) {
    super('org.kde.StatusNotifierWatcher');
    this.onItem = onItem;
    this.items = [];
  }

  RegisterStatusNotifierItem(service, sender) {
    // The item gives its object path (or a bus name); the caller is the sender.
    this.onItem(service, sender);
    this.items.push(service);
  }

  RegisterStatusNotifierHost() {}

  get RegisteredStatusNotifierItems() {
    return this.items;
  }

  get IsStatusNotifierHostRegistered() {
    return true;
  }

  get ProtocolVersion() {
    return 0;
  }
}

Watcher.configureMembers({
  methods: {
    RegisterStatusNotifierItem: { inSignature: 's', outSignature: '' },
    RegisterStatusNotifierHost: { inSignature: 's', outSignature: '' },
  },
  properties: {
    RegisteredStatusNotifierItems: { signature: 'as', access: ACCESS_READ },
    IsStatusNotifierHostRegistered: { signature: 'b', access: ACCESS_READ },
    ProtocolVersion: { signature: 'i', access: ACCESS_READ },
  },
  signals: {},
});

/**
 * Starts a StatusNotifierWatcher on the session bus; `item()` resolves with the first
 * registered item as { sender, path }.
 */
export async function startWatcher() {
  const bus = dbus.sessionBus();
  let resolve;
  const first = new Promise((r) => {
    resolve = r;
  });
  const watcher = new Watcher((service, sender) => {
    // appindicator registers with its object path; a bus name would mean the default path.
    const path = service.startsWith('/') ? service : '/StatusNotifierItem';
    const owner = service.startsWith('/') ? sender : service;
    resolve({ sender: owner, path });
  });
  // Registration is answered here, where the caller's unique name is known (the
  // interface's methods do not see it).
  bus.addMethodHandler((msg) => {
    if (msg.interface !== 'org.kde.StatusNotifierWatcher' || msg.member !== 'RegisterStatusNotifierItem') return false;
    watcher.RegisterStatusNotifierItem(msg.body[0], msg.sender);
    bus.send(dbus.Message.newMethodReturn(msg, '', []));
    return true;
  });
  bus.export('/StatusNotifierWatcher', watcher);
  await bus.requestName('org.kde.StatusNotifierWatcher', 0);
  return { bus, item: () => first, stop: () => bus.disconnect() };
}

/** The labels and ids of the item's menu (dbusmenu GetLayout), top level only. */
export async function menuOf(bus, { sender, path }) {
  const item = await bus.getProxyObject(sender, path);
  const props = item.getInterface('org.freedesktop.DBus.Properties');
  const menuPath = (await props.Get('org.kde.StatusNotifierItem', 'Menu')).value;
  const menuObj = await bus.getProxyObject(sender, menuPath);
  const menu = menuObj.getInterface('com.canonical.dbusmenu');
  const [, layout] = await menu.GetLayout(0, -1, []);
  const children = layout[2].map((c) => c.value);
  const entries = children.map(([id, props]) => ({
    id,
    label: props.label ? props.label.value : '',
    enabled: props.enabled ? props.enabled.value : true,
  }));
  return { menu, entries };
}

/** Clicks the menu entry labelled `label`. */
export async function clickMenu(menu, entries, label) {
  const entry = entries.find((e) => e.label.replace(/_/g, '') === label);
  if (!entry) throw new Error(`no tray menu entry “${label}” in ${JSON.stringify(entries)}`);
  await menu.Event(entry.id, 'clicked', new dbus.Variant('s', ''), Math.floor(Date.now() / 1000));
}
