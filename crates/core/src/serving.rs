//! Where this store's JSON API is served, so that key files written by any process (the
//! CLI, the app) name the address their programs should call.

use crate::store;
use crate::store::{Location, Missing};
use crate::SystemClock;
use crate::{Error, Latchkey, Result};
use std::sync::Arc;

/// The address of the JSON API on 127.0.0.1 at `port`.
pub fn api_url_for(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

impl Latchkey {
    /// Records that this store's JSON API is now served on 127.0.0.1:`port`; key files
    /// written from now on, by any process, name that address. Whoever starts serving
    /// calls it (`latchkey serve`, the app); the last one to start is remembered.
    pub fn record_api_port(&self, port: u16) -> Result<()> {
        if port == 0 {
            return Err(Error::invalid("port", "must be a port from 1 to 65535"));
        }
        let now = self.now_unix();
        let url = api_url_for(port);
        self.store
            .write(|tx| store::settings::put(tx, store::settings::API_URL, &url, now))
    }

    /// The API address a key file should name: where this store's API was last served
    /// from, else [`Latchkey::api_url`] (`http://127.0.0.1:7171` unless set).
    pub fn key_file_api_url(&self) -> String {
        match self
            .store
            .read(|tx| store::settings::get(tx, store::settings::API_URL))
        {
            Ok(Some(url)) => url,
            // Advisory: a store that cannot say falls back to the default address.
            _ => self.api_url().to_owned(),
        }
    }

    /// This handle now serves the JSON API on 127.0.0.1:`port`: the key files it writes
    /// name that address, and the store records it for every other process (see
    /// [`Latchkey::record_api_port`]). An error says only that the record failed.
    pub fn serving_on(&mut self, port: u16) -> Result<()> {
        self.set_api_url(api_url_for(port));
        self.record_api_port(port)
    }

    /// Opens the store at `path` (as [`Latchkey::open`] does) to serve its JSON API on
    /// 127.0.0.1:`port` (see [`Latchkey::serving_on`]). A store where the address cannot
    /// be recorded (read-only, say) is still opened: serving matters more than the note.
    pub fn open_to_serve(location: &Location, port: u16) -> Result<Self> {
        let mut lk = Latchkey::open_at(location, Arc::new(SystemClock), Missing::Create)?;
        let _ = lk.serving_on(port);
        Ok(lk)
    }
}
