// Insight's map: districts shaded by their controlled count of recorded crime.
// A plain script (not a module) so that it runs after Leaflet, which the page loads first.
// The content security policy refuses inline styles: districts are shaded by CSS classes.
// The shades and counts come from the API, already under disclosure control; the table
// after the map gives the same figures.
(function () {
  'use strict'

  function getJson (url) {
    return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status)
        return response.json()
      })
  }

  function shade (district) {
    if (!district) return 'none'
    return district.band === null ? 'withheld' : String(district.band)
  }

  function describe (name, district) {
    if (!district) return name + ': none imported'
    return name + ': ' + (district.count === null ? 'withheld (a small number)' : district.count.toLocaleString('en-GB'))
  }

  function drawMap (element) {
    if (typeof L === 'undefined') return
    Promise.all([getJson(element.dataset.boundariesUrl), getJson(element.dataset.districtsUrl)])
      .then(function (results) {
        var byId = {}
        results[1].districts.forEach(function (district) { byId[district.id] = district })
        // No tile layer: the app calls nothing outside itself.
        var map = L.map(element, { attributionControl: false, scrollWheelZoom: false, zoomSnap: 0.25 })
        var shown = L.featureGroup()
        var layer = L.geoJSON(results[0], {
          style: function (feature) {
            return { className: 'crossline-insight-map__district crossline-insight-band--' + shade(byId[feature.properties.id]) }
          },
          onEachFeature: function (feature, path) {
            var district = byId[feature.properties.id]
            path.bindTooltip(describe(feature.properties.name, district))
            if (district) shown.addLayer(L.geoJSON(feature))
          }
        }).addTo(map)
        // Open on the districts with crimes, not the whole country.
        map.fitBounds((shown.getLayers().length ? shown : layer).getBounds(), { maxZoom: 11 })
      })
      .catch(function () {
        element.classList.add('crossline-national-map--failed')
        element.textContent = 'The map could not be loaded. The table below gives the same figures.'
      })
  }

  var element = document.getElementById('insight-map')
  if (element) drawMap(element)
})()
